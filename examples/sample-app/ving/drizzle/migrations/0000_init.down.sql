-- ving: reverts the migration beside it (drizzle-kit ignores this file)
-- destructive: this drops table apikeys and all its rows
-- destructive: this drops table cronjobs and all its rows
-- destructive: this drops table s3files and all its rows
-- destructive: this drops table users and all its rows
DROP TABLE "apikeys";
--> statement-breakpoint
DROP TABLE "cronjobs";
--> statement-breakpoint
DROP TABLE "s3files";
--> statement-breakpoint
DROP TABLE "users";