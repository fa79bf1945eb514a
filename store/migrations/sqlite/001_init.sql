-- coderready store, SQLite. Timestamps are integer Unix milliseconds (UTC).

-- X-GitHub-Delivery IDs seen, so a redelivery is a no-op.
CREATE TABLE coderready_deliveries (
    id          TEXT    PRIMARY KEY,
    event       TEXT    NOT NULL,
    action      TEXT    NOT NULL DEFAULT '',
    received_at INTEGER NOT NULL
);
CREATE INDEX coderready_deliveries_received_at ON coderready_deliveries (received_at);

-- The head SHA of each pull request, from pull_request events (check_suite
-- carries no pull requests for forks).
CREATE TABLE coderready_pull_heads (
    repo       TEXT    NOT NULL,
    pr         INTEGER NOT NULL,
    head_sha   TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (repo, pr)
);
CREATE INDEX coderready_pull_heads_head ON coderready_pull_heads (repo, head_sha);

-- Check runs created for (repo, head SHA), one per name; a re-run replaces
-- the ID.
CREATE TABLE coderready_check_runs (
    repo         TEXT    NOT NULL,
    head_sha     TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    target       TEXT    NOT NULL DEFAULT '',
    check_run_id INTEGER NOT NULL,
    status       TEXT    NOT NULL,
    conclusion   TEXT    NOT NULL DEFAULT '',
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (repo, head_sha, name)
);
CREATE INDEX coderready_check_runs_id ON coderready_check_runs (repo, check_run_id);
CREATE INDEX coderready_check_runs_open ON coderready_check_runs (updated_at) WHERE status <> 'completed';

-- Fingerprints of the review suggestions posted on a pull request.
CREATE TABLE coderready_suggestions (
    repo        TEXT    NOT NULL,
    pr          INTEGER NOT NULL,
    fingerprint TEXT    NOT NULL,
    posted_at   INTEGER NOT NULL,
    PRIMARY KEY (repo, pr, fingerprint)
);

-- App installations, from installation events.
CREATE TABLE coderready_installations (
    id         INTEGER PRIMARY KEY,
    account    TEXT    NOT NULL,
    suspended  INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);
