CREATE TABLE "ving_sessions" (
	"id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
	"sessionId" char(36) NOT NULL,
	"userId" integer NOT NULL,
	"sessionType" varchar(16) NOT NULL,
	"apiKeyId" integer,
	"passwordTag" varchar(64) NOT NULL,
	"expiresAt" integer NOT NULL,
	CONSTRAINT "ving_sessions_user_3cd62126_fk" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE cascade ON UPDATE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX "ving_sessions_sessionIdIndex" ON "ving_sessions" ("sessionId");
--> statement-breakpoint
CREATE INDEX "ving_sessions_user_3cd62126_fk" ON "ving_sessions" ("userId");