-- Data protection by design: retention per consultation, consent to a privacy notice
-- version, and an access log of bulk reads of personal data.

ALTER TABLE consultations
    ADD COLUMN retention_registrations_days integer NOT NULL DEFAULT 90
        CHECK (retention_registrations_days BETWEEN 1 AND 3650),
    ADD COLUMN retention_authors_days integer NOT NULL DEFAULT 365
        CHECK (retention_authors_days BETWEEN 1 AND 3650),
    ADD COLUMN archived_at timestamptz;
UPDATE consultations SET archived_at = updated_at WHERE status = 'archived';
ALTER TABLE consultations ADD CONSTRAINT consultations_archived_at
    CHECK ((status = 'archived') = (archived_at IS NOT NULL));

ALTER TABLE registrations
    ADD COLUMN privacy_notice_version text
        CHECK (char_length(privacy_notice_version) BETWEEN 1 AND 50),
    ADD COLUMN consented_at timestamptz,
    -- Set once the person's data is gone (erasure request or retention).
    ADD COLUMN anonymised_at timestamptz;
CREATE INDEX registrations_retention_idx ON registrations (round_id) WHERE anonymised_at IS NULL;

CREATE TABLE access_log (
    id          uuid PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL CHECK (char_length(actor) BETWEEN 1 AND 300),
    action      text NOT NULL CHECK (char_length(action) BETWEEN 1 AND 50),
    resource    text NOT NULL CHECK (char_length(resource) BETWEEN 1 AND 500),
    records     integer NOT NULL CHECK (records >= 0),
    request_id  text CHECK (char_length(request_id) <= 200)
);
CREATE INDEX access_log_at_idx ON access_log (at);
