-- coderready store, PostgreSQL.

-- X-GitHub-Delivery IDs seen, so a redelivery is a no-op.
CREATE TABLE coderready_deliveries (
    id          text        PRIMARY KEY,
    event       text        NOT NULL,
    action      text        NOT NULL DEFAULT '',
    received_at timestamptz NOT NULL
);
CREATE INDEX coderready_deliveries_received_at ON coderready_deliveries (received_at);

-- The head SHA of each pull request, from pull_request events (check_suite
-- carries no pull requests for forks).
CREATE TABLE coderready_pull_heads (
    repo       text        NOT NULL,
    pr         bigint      NOT NULL,
    head_sha   text        NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (repo, pr)
);
CREATE INDEX coderready_pull_heads_head ON coderready_pull_heads (repo, head_sha);

-- Check runs created for (repo, head SHA), one per name; a re-run replaces
-- the ID.
CREATE TABLE coderready_check_runs (
    repo         text        NOT NULL,
    head_sha     text        NOT NULL,
    name         text        NOT NULL,
    target       text        NOT NULL DEFAULT '',
    check_run_id bigint      NOT NULL,
    status       text        NOT NULL,
    conclusion   text        NOT NULL DEFAULT '',
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (repo, head_sha, name)
);
CREATE INDEX coderready_check_runs_id ON coderready_check_runs (repo, check_run_id);
CREATE INDEX coderready_check_runs_open ON coderready_check_runs (updated_at) WHERE status <> 'completed';

-- Fingerprints of the review suggestions posted on a pull request.
CREATE TABLE coderready_suggestions (
    repo        text        NOT NULL,
    pr          bigint      NOT NULL,
    fingerprint text        NOT NULL,
    posted_at   timestamptz NOT NULL,
    PRIMARY KEY (repo, pr, fingerprint)
);

-- App installations, from installation events.
CREATE TABLE coderready_installations (
    id         bigint      PRIMARY KEY,
    account    text        NOT NULL,
    suspended  boolean     NOT NULL DEFAULT false,
    updated_at timestamptz NOT NULL
);
