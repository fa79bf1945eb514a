-- Annotations of a check run, by key (a hash of the annotation and its
-- occurrence): posted = false is recorded before the request that carries
-- it is sent, true once GitHub answered it. A row still false after a
-- crash or a lost answer is settled by listing the run's annotations on
-- GitHub.
CREATE TABLE coderready_annotations (
    repo         text        NOT NULL,
    check_run_id bigint      NOT NULL,
    key          text        NOT NULL,
    posted       boolean     NOT NULL DEFAULT false,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (repo, check_run_id, key)
);

-- Reviews the app posts on a pull request: the intent (its marker, which
-- the review's body carries, and its suggestions' fingerprints) before the
-- request, the review's ID once GitHub answered or a listing found it.
CREATE TABLE coderready_reviews (
    repo         text        NOT NULL,
    pr           bigint      NOT NULL,
    marker       text        NOT NULL,
    fingerprints text        NOT NULL,
    review_id    bigint      NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (repo, pr, marker)
);

-- Where a check run is shown, for the aggregate run's links.
ALTER TABLE coderready_check_runs ADD COLUMN html_url text NOT NULL DEFAULT '';
