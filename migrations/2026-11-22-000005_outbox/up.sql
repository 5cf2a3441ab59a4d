-- Double opt-in for anonymous registrations, and the transactional outbox through which
-- every mail (and, later, every webhook delivery) leaves the service.

-- A pending registration holds no seat until its emailed link is confirmed; its cancel
-- token is issued at confirmation.
ALTER TABLE registrations DROP CONSTRAINT registrations_status_check;
ALTER TABLE registrations
    ADD CONSTRAINT registrations_status_check
    CHECK (status IN ('pending', 'confirmed', 'waitlisted', 'cancelled', 'attended')),
    ALTER COLUMN cancel_token_hash DROP NOT NULL,
    -- SHA-256 of the confirmation token mailed to the registrant.
    ADD COLUMN confirm_token_hash bytea,
    -- Until when the pending registration may be confirmed; deleted after.
    ADD COLUMN confirm_expires_at timestamptz,
    ADD CONSTRAINT registrations_pending_confirmable
    CHECK ((status = 'pending') = (confirm_expires_at IS NOT NULL)),
    -- Whoever holds a seat or a waitlist place (or held one) was handed a cancel token.
    ADD CONSTRAINT registrations_holder_cancellable
    CHECK (status IN ('pending', 'cancelled') OR cancel_token_hash IS NOT NULL);
CREATE UNIQUE INDEX registrations_confirm_token_key
    ON registrations (confirm_token_hash) WHERE confirm_token_hash IS NOT NULL;
CREATE INDEX registrations_pending_expiry_idx
    ON registrations (confirm_expires_at) WHERE status = 'pending';

-- Messages written in the transaction of the change that causes them, delivered by a
-- worker in every replica. A worker claims due rows by moving `next_attempt_at` past the
-- time a delivery may take (a lease), so two replicas never deliver the same message while
-- both run; a crash between delivery and marking repeats it once the lease has passed.
CREATE TABLE outbox (
    id               uuid PRIMARY KEY,
    channel          text NOT NULL CHECK (channel IN ('mail', 'webhook')),
    -- What the message says, e.g. `registration_confirmed`.
    topic            text NOT NULL CHECK (char_length(topic) BETWEEN 1 AND 100),
    -- An email address (mail) or a subscription id (webhook).
    recipient        text NOT NULL CHECK (char_length(recipient) BETWEEN 1 AND 2000),
    -- The resource the message is about (registration, submission, round).
    subject_id       uuid,
    -- What the worker renders or sends; removed once delivered (it may hold personal data).
    payload          jsonb,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text CHECK (char_length(last_error) <= 2000),
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    CHECK ((status = 'pending') = (payload IS NOT NULL))
);
CREATE INDEX outbox_due_idx ON outbox (channel, next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_subject_idx ON outbox (subject_id) WHERE status = 'pending';
CREATE INDEX outbox_recipient_idx ON outbox (lower(recipient)) WHERE channel = 'mail';
