-- ving: reverts the migration beside it (drizzle-kit ignores this file)
-- destructive: this drops table ving_sessions and all its rows
DROP TABLE "ving_sessions";