-- Workspaces, their access tokens (hashed), the synced records with their per-workspace change
-- sequence, the mutation ids already applied (idempotent pushes), and export uploads in chunks.

CREATE TABLE workspaces (
  id uuid PRIMARY KEY,
  name text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- The last change sequence number handed out; pushes lock this row, so numbers commit in order.
  last_seq bigint NOT NULL DEFAULT 0
);

CREATE TABLE tokens (
  id uuid PRIMARY KEY,
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  -- SHA-256 (hex) of the token: the token itself is shown once and never stored.
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE INDEX tokens_by_workspace ON tokens (workspace_id);

-- The latest state of every synced record (segments, exports); deletes stay as tombstones.
CREATE TABLE records (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  record_type text NOT NULL,
  record_id uuid NOT NULL,
  version integer NOT NULL,
  deleted boolean NOT NULL,
  body jsonb,
  device_id text,
  device_name text,
  at bigint NOT NULL,
  seq bigint NOT NULL,
  PRIMARY KEY (workspace_id, record_type, record_id)
);

CREATE UNIQUE INDEX records_by_seq ON records (workspace_id, seq);

CREATE TABLE mutations (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  mutation_id uuid NOT NULL,
  result jsonb NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, mutation_id)
);

CREATE TABLE export_uploads (
  workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  export_id uuid NOT NULL,
  meta jsonb NOT NULL,
  chunk_count integer NOT NULL,
  device_id text NOT NULL,
  complete boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, export_id)
);

CREATE TABLE export_chunks (
  workspace_id uuid NOT NULL,
  export_id uuid NOT NULL,
  idx integer NOT NULL,
  sha256 text NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (workspace_id, export_id, idx),
  FOREIGN KEY (workspace_id, export_id) REFERENCES export_uploads (workspace_id, export_id) ON DELETE CASCADE
);
