-- The status page. A delivery's installation, repository and routing
-- result, set once its job has parsed the payload (0, '' and '' before).
ALTER TABLE coderready_deliveries ADD COLUMN installation_id bigint NOT NULL DEFAULT 0;
ALTER TABLE coderready_deliveries ADD COLUMN repo text NOT NULL DEFAULT '';
ALTER TABLE coderready_deliveries ADD COLUMN result text NOT NULL DEFAULT '';
ALTER TABLE coderready_deliveries ADD COLUMN routed_at timestamptz;
CREATE INDEX coderready_deliveries_installation ON coderready_deliveries (installation_id, received_at);

-- When a check run's current ID was created, and when it completed (NULL
-- while it has not): its duration as this server saw it.
ALTER TABLE coderready_check_runs ADD COLUMN created_at timestamptz;
ALTER TABLE coderready_check_runs ADD COLUMN completed_at timestamptz;
CREATE INDEX coderready_check_runs_updated ON coderready_check_runs (updated_at);

-- The status page's sign-in states (GitHub's OAuth "state"), as the setup
-- flow keeps its own: SHA-256 hashes in a fixed number of slots.
CREATE TABLE coderready_login_states (
    slot       integer     PRIMARY KEY,
    state_hash bytea       NOT NULL UNIQUE,
    expires_at timestamptz NOT NULL
);
CREATE INDEX coderready_login_states_expires_at ON coderready_login_states (expires_at);
