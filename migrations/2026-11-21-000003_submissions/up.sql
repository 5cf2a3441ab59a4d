-- Submissions (needs, action approaches, statements), which needs an action approach
-- answers, and German full-text search over title and body.

CREATE TABLE submissions (
    id               uuid PRIMARY KEY,
    consultation_id  uuid NOT NULL REFERENCES consultations (id),
    round_id         uuid REFERENCES rounds (id),
    organisation_id  uuid REFERENCES organisations (id),
    author_name      text CHECK (char_length(author_name) <= 200),
    -- Personal data for privacy requests; never shown to other organisations.
    author_email     text CHECK (char_length(author_email) <= 254),
    kind             text NOT NULL CHECK (kind IN ('need', 'action_approach', 'statement')),
    topic            text NOT NULL CHECK (char_length(topic) BETWEEN 1 AND 50),
    title            text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 300),
    body             text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 20000),
    status           text NOT NULL DEFAULT 'submitted' CHECK (status IN
                         ('submitted', 'in_review', 'accepted', 'rejected', 'merged', 'withdrawn')),
    decision_reason  text CHECK (char_length(decision_reason) <= 2000),
    duplicate_of     uuid REFERENCES submissions (id),
    external_ref     text CHECK (char_length(external_ref) BETWEEN 1 AND 200),
    source           text NOT NULL CHECK (source IN ('api', 'conference', 'staff')),
    search           tsvector GENERATED ALWAYS AS (
                         setweight(to_tsvector('german', title), 'A') ||
                         setweight(to_tsvector('german', body), 'B')) STORED,
    version          integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (status <> 'merged' OR duplicate_of IS NOT NULL),
    CHECK (status <> 'rejected' OR decision_reason IS NOT NULL),
    CHECK (duplicate_of IS NULL OR duplicate_of <> id)
);
CREATE UNIQUE INDEX submissions_external_ref_key
    ON submissions (organisation_id, external_ref) WHERE external_ref IS NOT NULL;
CREATE INDEX submissions_consultation_idx ON submissions (consultation_id, id);
CREATE INDEX submissions_consultation_status_idx ON submissions (consultation_id, status, id);
CREATE INDEX submissions_organisation_idx ON submissions (organisation_id, id);
CREATE INDEX submissions_updated_idx ON submissions (consultation_id, updated_at);
CREATE INDEX submissions_search_idx ON submissions USING gin (search);
CREATE INDEX submissions_author_email_idx ON submissions (lower(author_email));

CREATE TABLE submission_addresses (
    action_approach_id  uuid NOT NULL REFERENCES submissions (id),
    need_id             uuid NOT NULL REFERENCES submissions (id),
    PRIMARY KEY (action_approach_id, need_id)
);
CREATE INDEX submission_addresses_need_idx ON submission_addresses (need_id);
