-- Which slot each state table's next state takes, in turn (see the
-- PostgreSQL migration).
CREATE TABLE coderready_state_ring (
    state_table TEXT    PRIMARY KEY,
    issued      INTEGER NOT NULL
);
INSERT INTO coderready_state_ring (state_table, issued)
VALUES ('coderready_setup_states', 0), ('coderready_login_states', 0);
