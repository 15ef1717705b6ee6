CREATE INDEX "apikeys_user_90ada4_fk" ON "apikeys" ("userId");
--> statement-breakpoint
CREATE INDEX "s3files_user_40cb3d4d_fk" ON "s3files" ("userId");
--> statement-breakpoint
CREATE INDEX "users_avatar_39d62890_fk" ON "users" ("avatarId");