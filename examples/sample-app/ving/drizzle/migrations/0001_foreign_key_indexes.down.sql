-- ving: reverts the migration beside it (drizzle-kit ignores this file)
DROP INDEX "apikeys_user_90ada4_fk";
--> statement-breakpoint
DROP INDEX "s3files_user_40cb3d4d_fk";
--> statement-breakpoint
DROP INDEX "users_avatar_39d62890_fk";