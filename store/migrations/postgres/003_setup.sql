-- The setup (manifest) flow's CSRF states, as SHA-256 hashes, in a fixed
-- number of slots (the state's hash picks one; a new state replaces the
-- slot's old one): anonymous visitors of /setup cannot grow the table.
CREATE TABLE coderready_setup_states (
    slot       integer     PRIMARY KEY,
    state_hash bytea       NOT NULL UNIQUE,
    expires_at timestamptz NOT NULL
);
CREATE INDEX coderready_setup_states_expires_at ON coderready_setup_states (expires_at);

-- The app the setup flow created: at most one row. While it exists every
-- replica's /setup/callback refuses every state.
CREATE TABLE coderready_setup (
    id           integer     PRIMARY KEY CHECK (id = 1),
    app_id       bigint      NOT NULL,
    completed_at timestamptz NOT NULL
);
