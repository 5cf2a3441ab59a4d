DROP INDEX idempotency_keys_personal_email_idx;
DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys
    DROP COLUMN error_kind,
    DROP COLUMN personal_email,
    ADD COLUMN status_code smallint;
ALTER TABLE submissions DROP CONSTRAINT submissions_author_email_normalised;
ALTER TABLE registrations DROP CONSTRAINT registrations_email_normalised;
DROP INDEX registrations_updated_idx;
DROP FUNCTION sync_watermark();
DROP TRIGGER submissions_stamp ON submissions;
DROP TRIGGER registrations_stamp ON registrations;
DROP FUNCTION stamp_change();
