-- The name of each live segment, folded for comparison (spaces collapsed, lower case: see nameKey in
-- src/lib/server/sync.ts), so that a push finds the segments whose name a new or renamed one would
-- repeat without reading their bodies. NULL for tombstones and exports.
ALTER TABLE records ADD COLUMN name_key text;

UPDATE records SET name_key = lower(regexp_replace(btrim(body->>'name'), '\s+', ' ', 'g'))
  WHERE record_type = 'segment' AND NOT deleted AND body IS NOT NULL;

CREATE INDEX records_by_name ON records (workspace_id, name_key) WHERE name_key IS NOT NULL;
