-- Functions and triggers that earlier versions created and the schema no
-- longer has. A database migrated by those versions may still hold them
-- (one stopped at any migration before the one that dropped them), and the
-- functions' current bodies must never run from an old trigger.
--
-- IF EXISTS notices ("does not exist, skipping") are noise on every run.
SET LOCAL client_min_messages = warning;

-- 001's per-row offsets check (a BEFORE trigger; since 003 two statement
-- triggers, in 20_claims.sql).
DROP TRIGGER IF EXISTS claims_check_offsets ON claims;
-- 004's filling of links inserted before their claim (gone in 007).
DROP TRIGGER IF EXISTS claims_positions_insert ON claims;
DROP FUNCTION IF EXISTS claims_positions_insert();
-- 006's additions to cells from links as JSON (gone in 008).
DROP FUNCTION IF EXISTS positions_add(jsonb);
