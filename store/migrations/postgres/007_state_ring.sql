-- Which slot each state table's next state takes. States fill the slots
-- in turn (a ring), so a new state replaces the oldest one: a state is
-- only lost after SetupStateSlots newer ones, never to a hash collision
-- with the next visitor's.
CREATE TABLE coderready_state_ring (
    state_table text   PRIMARY KEY,
    issued      bigint NOT NULL
);
INSERT INTO coderready_state_ring (state_table, issued)
VALUES ('coderready_setup_states', 0), ('coderready_login_states', 0);
