-- Webhook subscriptions of partner systems (Standard Webhooks), delivered through the
-- outbox: one outbox row per event and subscription, its id the `webhook-id`.

CREATE TABLE webhook_subscriptions (
    id                          uuid PRIMARY KEY,
    -- The partner organisation it belongs to; NULL: an admin's subscription to everything.
    organisation_id             uuid REFERENCES organisations (id),
    url                         text NOT NULL CHECK (char_length(url) BETWEEN 8 AND 2000),
    events                      text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 20),
    description                 text CHECK (char_length(description) <= 500),
    -- `whsec_` + base64 of the key; signing needs the key itself, so it is kept as is.
    secret                      text NOT NULL,
    -- After a rotation the old secret signs beside the new one until it expires.
    previous_secret             text,
    previous_secret_expires_at  timestamptz,
    status                      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    disabled_reason             text CHECK (char_length(disabled_reason) <= 500),
    version                     integer NOT NULL DEFAULT 1,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL))
);
CREATE INDEX webhook_subscriptions_organisation_idx ON webhook_subscriptions (organisation_id, id);

-- Every attempt to deliver a webhook: when, the receiver's answer, how long it took.
CREATE TABLE webhook_attempts (
    id               bigserial PRIMARY KEY,
    message_id       uuid NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    at               timestamptz NOT NULL DEFAULT now(),
    status_code      smallint,
    duration_ms      integer NOT NULL CHECK (duration_ms >= 0),
    error            text CHECK (char_length(error) <= 2000)
);
CREATE INDEX webhook_attempts_message_idx ON webhook_attempts (message_id, id);

-- A delivered webhook keeps its payload, so that it can be delivered again on request;
-- a mail drops its body once sent.
ALTER TABLE outbox DROP CONSTRAINT outbox_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_payload_while_needed
    CHECK (CASE channel WHEN 'mail' THEN (status = 'pending') = (payload IS NOT NULL)
                        ELSE payload IS NOT NULL END);
CREATE INDEX outbox_webhook_recipient_idx ON outbox (recipient, id) WHERE channel = 'webhook';
