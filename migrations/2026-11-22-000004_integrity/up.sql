-- Rules the database itself holds: change stamps for sync, normalised emails, idempotency
-- records settled in the transaction of their work.

-- Every insert and update of a syncing row is stamped with its transaction's start time
-- (now()), from the database's clock, whatever the statement sets. Together with
-- sync_watermark() this is a commit-safe position: a transaction that commits late was
-- already running when the watermark was taken, so its stamp is not below the watermark.
CREATE FUNCTION stamp_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.created_at := now();
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE TRIGGER registrations_stamp BEFORE INSERT OR UPDATE ON registrations
    FOR EACH ROW EXECUTE FUNCTION stamp_change();
CREATE TRIGGER submissions_stamp BEFORE INSERT OR UPDATE ON submissions
    FOR EACH ROW EXECUTE FUNCTION stamp_change();

-- The instant below which every change is visible now: the start of the oldest transaction
-- still running against this database (it may yet commit rows stamped with that start),
-- or now(). Take it before the query whose result it describes. It sees the transactions of
-- the service's own database role, which is every writer of these tables. A second's margin
-- covers a transaction that has its start time but has not published it yet.
CREATE FUNCTION sync_watermark() RETURNS timestamptz LANGUAGE sql VOLATILE AS $$
    SELECT least(now(), min(xact_start)) - interval '1 second'
      FROM pg_stat_activity
     WHERE datname = current_database()
       AND backend_type = 'client backend'
$$;

CREATE INDEX registrations_updated_idx ON registrations (round_id, updated_at);

-- Emails are stored trimmed and compared case-insensitively (the indexes on lower(email)).
UPDATE registrations SET email = btrim(email) WHERE email <> btrim(email);
UPDATE submissions SET author_email = nullif(btrim(author_email), '')
 WHERE author_email <> btrim(author_email);
-- Authors' emails were free text before: what is not an address is no way to reach anyone.
UPDATE submissions SET author_email = NULL
 WHERE author_email IS NOT NULL AND author_email NOT LIKE '_%@_%';
ALTER TABLE registrations
    ADD CONSTRAINT registrations_email_normalised
    CHECK (email = btrim(email) AND email LIKE '_%@_%');
ALTER TABLE submissions
    ADD CONSTRAINT submissions_author_email_normalised
    CHECK (author_email = btrim(author_email) AND author_email LIKE '_%@_%');

-- Idempotency records are written once, in the transaction of their work; a request in
-- flight holds a transaction-scoped advisory lock instead of a claim row. A refusal is
-- stored with its error kind; the email of the person a stored response names lets an
-- erasure find it.
DELETE FROM idempotency_keys;
ALTER TABLE idempotency_keys
    DROP COLUMN status_code,
    ADD COLUMN error_kind text,
    ADD COLUMN personal_email text,
    ALTER COLUMN response_body SET NOT NULL;
CREATE INDEX idempotency_keys_personal_email_idx ON idempotency_keys (personal_email)
    WHERE personal_email IS NOT NULL;
