-- The data version spread over 16 rows (issue 15). Each writing
-- transaction bumped the one version row at its commit and held that row's
-- lock until its commit record was on disk, so concurrent writers committed
-- one after the other, one disk flush each, and no two could share one
-- (group commit). Now a committing transaction bumps a shard no other
-- committing transaction holds (data_version_bump, 50_data_version.sql),
-- and the version is the sum of the shards: it still goes up by exactly one
-- per writing transaction and becomes visible with its data.
CREATE TABLE data_version_shards (
  shard   smallint PRIMARY KEY CHECK (shard BETWEEN 0 AND 15),
  version bigint NOT NULL DEFAULT 0
);
INSERT INTO data_version_shards (shard, version)
  SELECT 0, version FROM data_version;
INSERT INTO data_version_shards (shard) SELECT generate_series(1, 15);

-- Readers keep reading `SELECT version FROM data_version`.
DROP TABLE data_version;
CREATE VIEW data_version AS
  SELECT sum(version)::bigint AS version FROM data_version_shards;
