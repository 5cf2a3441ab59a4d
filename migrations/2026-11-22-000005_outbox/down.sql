DROP TABLE outbox;
DROP INDEX registrations_pending_expiry_idx;
DROP INDEX registrations_confirm_token_key;
DELETE FROM registrations WHERE status = 'pending' OR cancel_token_hash IS NULL;
ALTER TABLE registrations
    DROP CONSTRAINT registrations_holder_cancellable,
    DROP CONSTRAINT registrations_pending_confirmable,
    DROP COLUMN confirm_expires_at,
    DROP COLUMN confirm_token_hash,
    ALTER COLUMN cancel_token_hash SET NOT NULL,
    DROP CONSTRAINT registrations_status_check;
ALTER TABLE registrations
    ADD CONSTRAINT registrations_status_check
    CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'attended'));
