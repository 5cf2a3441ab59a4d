DROP TRIGGER events_adopt_authority ON events;
DROP TRIGGER outbox_adopt_authority ON outbox;
DROP TRIGGER idempotency_keys_adopt_authority ON idempotency_keys;
DROP FUNCTION adopt_authority();
DROP POLICY webhook_subscriptions_of_authority ON webhook_subscriptions;
ALTER TABLE webhook_subscriptions DISABLE ROW LEVEL SECURITY;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['consultations', 'rounds', 'submissions', 'registrations',
        'submission_addresses', 'submission_counters', 'events', 'outbox', 'webhook_attempts',
        'access_log', 'idempotency_keys']
    LOOP
        EXECUTE format('DROP POLICY %I ON %I', t || '_of_authority', t);
        EXECUTE format('ALTER TABLE %I DISABLE ROW LEVEL SECURITY', t);
    END LOOP;
END
$$;
DROP TRIGGER consultations_move ON consultations;
DROP FUNCTION move_consultation_rows();
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['rounds', 'submissions', 'registrations', 'submission_addresses',
        'submission_counters', 'webhook_subscriptions', 'events', 'outbox', 'webhook_attempts',
        'access_log', 'idempotency_keys']
    LOOP
        EXECUTE format('DROP TRIGGER %I ON %I', t || '_authority', t);
        EXECUTE format('ALTER TABLE %I DROP COLUMN authority_id', t);
    END LOOP;
END
$$;
DROP FUNCTION fill_authority();
DELETE FROM events WHERE entity = 'consultation';
ALTER TABLE events DROP CONSTRAINT events_entity_check;
ALTER TABLE events ADD CONSTRAINT events_entity_check CHECK (entity IN ('registration', 'submission'));
ALTER TABLE api_clients DROP CONSTRAINT api_clients_authority_check;
ALTER TABLE api_clients DROP CONSTRAINT api_clients_role_check;
DELETE FROM api_clients WHERE role = 'authority_admin';
ALTER TABLE api_clients DROP COLUMN authority_id,
    ADD CONSTRAINT api_clients_role_check CHECK (role IN ('admin', 'moderator', 'partner'));
ALTER TABLE consultations DROP COLUMN authority_id;
DROP FUNCTION authority_of(uuid);
DROP FUNCTION sees_every_authority();
DROP FUNCTION current_authority();
DROP TABLE authorities;
