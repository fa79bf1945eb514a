-- Annotations of a check run, by key (a hash of the annotation and its
-- occurrence): posted = 0 is recorded before the request that carries it
-- is sent, 1 once GitHub answered it. A row still at 0 after a crash or a
-- lost answer is settled by listing the run's annotations on GitHub.
CREATE TABLE coderready_annotations (
    repo         TEXT    NOT NULL,
    check_run_id INTEGER NOT NULL,
    key          TEXT    NOT NULL,
    posted       INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (repo, check_run_id, key)
);

-- Reviews the app posts on a pull request: the intent (its marker, which
-- the review's body carries, and its suggestions' fingerprints) before the
-- request, the review's ID once GitHub answered or a listing found it.
CREATE TABLE coderready_reviews (
    repo         TEXT    NOT NULL,
    pr           INTEGER NOT NULL,
    marker       TEXT    NOT NULL,
    fingerprints TEXT    NOT NULL,
    review_id    INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (repo, pr, marker)
);

-- Where a check run is shown, for the aggregate run's links.
ALTER TABLE coderready_check_runs ADD COLUMN html_url TEXT NOT NULL DEFAULT '';
