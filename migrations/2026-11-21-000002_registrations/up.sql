-- Registrations for rounds, the shared event log, and idempotency keys.

CREATE SEQUENCE waitlist_seq;

CREATE TABLE registrations (
    id                   uuid PRIMARY KEY,
    round_id             uuid NOT NULL REFERENCES rounds (id),
    name                 text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    email                text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
    organisation_id      uuid REFERENCES organisations (id),
    organisation_name    text CHECK (char_length(organisation_name) <= 200),
    category             text CHECK (category IN (
        'municipality', 'chamber_or_business_association', 'municipal_coordination_office',
        'integration_commissioner', 'civil_society', 'association', 'school', 'daycare',
        'senior_association', 'integration_network', 'religious_community',
        'migrant_organisation', 'welfare_association', 'employment_agency', 'company', 'other')),
    needs                text CHECK (char_length(needs) <= 2000),
    status               text NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled', 'attended')),
    -- Order on the waitlist (first come, first promoted).
    waitlist_seq         bigint NOT NULL DEFAULT nextval('waitlist_seq'),
    -- The partner organisation that registered this person, if a partner did.
    registered_by_org    uuid REFERENCES organisations (id),
    -- SHA-256 of the cancel token handed out once at registration.
    cancel_token_hash    bytea NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);
-- One active registration per email and round; a cancelled person may register again.
CREATE UNIQUE INDEX registrations_round_email_key
    ON registrations (round_id, lower(email)) WHERE status <> 'cancelled';
CREATE INDEX registrations_round_idx ON registrations (round_id, id);
CREATE INDEX registrations_waitlist_idx ON registrations (round_id, waitlist_seq) WHERE status = 'waitlisted';
CREATE INDEX registrations_email_idx ON registrations (lower(email));

-- Every status change of a registration or submission: who, when, from, to.
CREATE TABLE events (
    id           bigserial PRIMARY KEY,
    entity       text NOT NULL CHECK (entity IN ('registration', 'submission')),
    entity_id    uuid NOT NULL,
    at           timestamptz NOT NULL DEFAULT now(),
    actor        text NOT NULL,
    action       text NOT NULL,
    from_status  text,
    to_status    text,
    reason       text
);
CREATE INDEX events_entity_idx ON events (entity, entity_id, id);

-- Idempotency-Key records: claimed before the work, completed in the work's transaction.
CREATE TABLE idempotency_keys (
    scope          text NOT NULL,
    key            text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
    request_hash   bytea NOT NULL,
    -- NULL while the first request is in flight.
    status_code    smallint,
    location       text,
    response_body  jsonb,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
