-- A delivery's verified payload waits here until it is routed, so the queue
-- row carries only the delivery ID.
ALTER TABLE coderready_deliveries ADD COLUMN payload BLOB;
