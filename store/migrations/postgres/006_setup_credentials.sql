-- The credentials of the app the setup flow created (JSON, its private
-- key included), stored with the claim, so every replica on this database
-- takes them, whichever finished the flow. Empty for an app set up before,
-- or given to the servers by hand.
ALTER TABLE coderready_setup ADD COLUMN credentials bytea NOT NULL DEFAULT '';
