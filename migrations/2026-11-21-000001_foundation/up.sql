-- Organisations, API clients, consultations and their rounds.
-- Enumerations are text with CHECK constraints so that adding a value is one migration.

CREATE TABLE organisations (
    id          uuid PRIMARY KEY,
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    category    text NOT NULL CHECK (category IN (
        'municipality', 'chamber_or_business_association', 'municipal_coordination_office',
        'integration_commissioner', 'civil_society', 'association', 'school', 'daycare',
        'senior_association', 'integration_network', 'religious_community',
        'migrant_organisation', 'welfare_association', 'employment_agency', 'company', 'other')),
    region      text CHECK (char_length(region) <= 100),
    website     text CHECK (char_length(website) <= 500),
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organisations_category_idx ON organisations (category);
CREATE INDEX organisations_region_idx ON organisations (region);

CREATE TABLE api_clients (
    id              uuid PRIMARY KEY,
    name            text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    role            text NOT NULL CHECK (role IN ('admin', 'moderator', 'partner')),
    organisation_id uuid REFERENCES organisations (id),
    -- argon2id PHC string; the secret itself is never stored.
    secret_hash     text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    CHECK ((role = 'partner') = (organisation_id IS NOT NULL))
);

CREATE TABLE consultations (
    id          uuid PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(slug) <= 100),
    title       text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
    summary     text NOT NULL DEFAULT '' CHECK (char_length(summary) <= 5000),
    status      text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed', 'archived')),
    -- [{"key": "...", "label": "..."}], the Handlungsfelder of this consultation.
    topics      jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(topics) = 'array'),
    starts_on   date,
    ends_on     date,
    version     integer NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on)
);
CREATE INDEX consultations_status_idx ON consultations (status, id);

CREATE TABLE rounds (
    id                      uuid PRIMARY KEY,
    consultation_id         uuid NOT NULL REFERENCES consultations (id),
    kind                    text NOT NULL CHECK (kind IN ('kickoff', 'regional', 'online', 'workshop')),
    title                   text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
    venue_name              text CHECK (char_length(venue_name) <= 200),
    venue_street            text CHECK (char_length(venue_street) <= 200),
    venue_postal_code       text CHECK (char_length(venue_postal_code) <= 20),
    venue_city              text CHECK (char_length(venue_city) <= 100),
    region                  text CHECK (char_length(region) <= 100),
    starts_at               timestamptz NOT NULL,
    ends_at                 timestamptz NOT NULL,
    capacity                integer NOT NULL CHECK (capacity >= 1),
    registration_opens_at   timestamptz,
    registration_closes_at  timestamptz,
    submissions_open_at     timestamptz,
    submissions_close_at    timestamptz,
    cancelled               boolean NOT NULL DEFAULT false,
    -- Live seat counters, kept by the statements that change registrations. The CHECK is
    -- what makes overbooking impossible whatever the concurrency.
    confirmed_count         integer NOT NULL DEFAULT 0 CHECK (confirmed_count >= 0),
    waitlisted_count        integer NOT NULL DEFAULT 0 CHECK (waitlisted_count >= 0),
    attended_count          integer NOT NULL DEFAULT 0 CHECK (attended_count >= 0),
    version                 integer NOT NULL DEFAULT 1,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CHECK (registration_closes_at IS NULL OR registration_opens_at IS NULL
           OR registration_closes_at > registration_opens_at),
    CHECK (submissions_close_at IS NULL OR submissions_open_at IS NULL
           OR submissions_close_at > submissions_open_at),
    CHECK (confirmed_count + attended_count <= capacity)
);
CREATE INDEX rounds_consultation_idx ON rounds (consultation_id, id);
