-- The credentials of the app the setup flow created (JSON, its private
-- key included), stored with the claim (see the PostgreSQL migration).
ALTER TABLE coderready_setup ADD COLUMN credentials blob NOT NULL DEFAULT x'';
