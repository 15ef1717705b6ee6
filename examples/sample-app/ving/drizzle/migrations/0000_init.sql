CREATE TABLE "cronjobs" (
	"id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
	"createdAt" timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
	"updatedAt" timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
	"schedule" varchar(60) NOT NULL DEFAULT '* * * * *',
	"handler" varchar(60) NOT NULL DEFAULT 'Test',
	"params" text NOT NULL DEFAULT '{}' CHECK (json_valid("params")),
	"enabled" boolean NOT NULL DEFAULT true,
	"note" text NOT NULL
);
--> statement-breakpoint
CREATE TRIGGER "cronjobs_updatedAt_on_update" AFTER UPDATE ON "cronjobs" FOR EACH ROW WHEN NEW."updatedAt" IS OLD."updatedAt" BEGIN UPDATE "cronjobs" SET "updatedAt" = CURRENT_TIMESTAMP WHERE rowid = NEW.rowid; END;
--> statement-breakpoint
CREATE TABLE "s3files" (
	"id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
	"createdAt" timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
	"updatedAt" timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
	"filename" varchar(256) NOT NULL DEFAULT '',
	"extension" varchar(10) NOT NULL DEFAULT '',
	"contentType" varchar(256) NOT NULL DEFAULT '',
	"s3folder" varchar(256) NOT NULL DEFAULT '',
	"sizeInBytes" integer NOT NULL DEFAULT 0,
	"metadata" text NOT NULL DEFAULT '{}' CHECK (json_valid("metadata")),
	"status" text NOT NULL DEFAULT 'pending' CHECK ("status" IN ('pending','ready','postProcessingFailed','verifyFailed')),
	"icon" text NOT NULL DEFAULT 'pending' CHECK ("icon" IN ('pending','thumbnail','extension','self')),
	"userId" integer NOT NULL,
	CONSTRAINT "s3files_user_40cb3d4d_fk" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE cascade ON UPDATE cascade
);
--> statement-breakpoint
CREATE TRIGGER "s3files_updatedAt_on_update" AFTER UPDATE ON "s3files" FOR EACH ROW WHEN NEW."updatedAt" IS OLD."updatedAt" BEGIN UPDATE "s3files" SET "updatedAt" = CURRENT_TIMESTAMP WHERE rowid = NEW.rowid; END;
--> statement-breakpoint
CREATE TABLE "users" (
	"id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
	"createdAt" timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
	"updatedAt" timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
	"username" varchar(60) NOT NULL DEFAULT '',
	"email" varchar(256) NOT NULL DEFAULT '',
	"realName" varchar(60) NOT NULL DEFAULT '',
	"password" varchar(256) NOT NULL DEFAULT 'no-password-specified',
	"passwordType" text NOT NULL DEFAULT 'bcrypt' CHECK ("passwordType" IN ('bcrypt')),
	"useAsDisplayName" text NOT NULL DEFAULT 'username' CHECK ("useAsDisplayName" IN ('username','email','realName')),
	"verifiedEmail" boolean NOT NULL DEFAULT false,
	"admin" boolean NOT NULL DEFAULT false,
	"developer" boolean NOT NULL DEFAULT false,
	"avatarType" text NOT NULL DEFAULT 'robot' CHECK ("avatarType" IN ('robot','uploaded')),
	"bio" text NOT NULL,
	"avatarId" integer DEFAULT NULL,
	CONSTRAINT "users_avatar_39d62890_fk" FOREIGN KEY ("avatarId") REFERENCES "s3files"("id") ON DELETE set null ON UPDATE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX "users_usernameIndex" ON "users" ("username");
--> statement-breakpoint
CREATE UNIQUE INDEX "users_emailIndex" ON "users" ("email");
--> statement-breakpoint
CREATE TRIGGER "users_updatedAt_on_update" AFTER UPDATE ON "users" FOR EACH ROW WHEN NEW."updatedAt" IS OLD."updatedAt" BEGIN UPDATE "users" SET "updatedAt" = CURRENT_TIMESTAMP WHERE rowid = NEW.rowid; END;
--> statement-breakpoint
CREATE TABLE "apikeys" (
	"id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
	"createdAt" timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
	"updatedAt" timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
	"name" varchar(60) NOT NULL DEFAULT '',
	"url" text NOT NULL,
	"reason" text NOT NULL,
	"privateKey" varchar(39) NOT NULL DEFAULT '',
	"userId" integer NOT NULL,
	CONSTRAINT "apikeys_user_90ada4_fk" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE cascade ON UPDATE cascade
);
--> statement-breakpoint
CREATE TRIGGER "apikeys_updatedAt_on_update" AFTER UPDATE ON "apikeys" FOR EACH ROW WHEN NEW."updatedAt" IS OLD."updatedAt" BEGIN UPDATE "apikeys" SET "updatedAt" = CURRENT_TIMESTAMP WHERE rowid = NEW.rowid; END;