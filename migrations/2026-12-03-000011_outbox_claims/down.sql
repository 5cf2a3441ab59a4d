DROP INDEX outbox_claimed_idx;
ALTER TABLE outbox DROP COLUMN claimed_until;
