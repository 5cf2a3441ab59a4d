-- Authorities as tenants: every consultation belongs to one authority (a ministry, a
-- district, a city), and every row that belongs to a consultation carries its authority,
-- so that row-level security can hold a scoped caller to its own authority's rows even
-- where a query forgets its filter. Organisations stay one shared directory.

CREATE TABLE authorities (
    id              uuid PRIMARY KEY,
    slug            text NOT NULL UNIQUE
                    CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(slug) <= 100),
    name            text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    kind            text NOT NULL CHECK (kind IN ('ministry', 'district', 'municipality', 'agency')),
    contact_email   text CHECK (char_length(contact_email) <= 254),
    privacy_contact text CHECK (char_length(privacy_contact) <= 500),
    imprint_url     text CHECK (char_length(imprint_url) <= 500),
    version         integer NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The first authority holds what the deployment had so far. The service names it from
-- DEFAULT_AUTHORITY_NAME (passed as this setting when it migrates).
INSERT INTO authorities (id, slug, name, kind)
SELECT gen_random_uuid(),
       coalesce(nullif(btrim(regexp_replace(
           replace(replace(replace(replace(lower(name), 'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue'), 'ß', 'ss'), '[^a-z0-9]+', '-', 'g'), '-'), ''), 'behoerde'),
       name, 'ministry'
  FROM (SELECT coalesce(nullif(btrim(current_setting('beteiligung.default_authority_name', true)), ''),
                        'Standardbehörde') AS name) AS named;

-- Which authority the current connection acts for: a uuid, '*' for every authority
-- (anonymous callers, partners, the platform admin, background jobs; the service's own
-- filters apply), anything else (unset) for none.
-- Both are single expressions, so that the planner inlines them into the policies (a
-- function call per row would cost a scoped single GET a third of its throughput).
CREATE FUNCTION current_authority() RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT nullif(nullif(current_setting('beteiligung.authority', true), '*'), '')::uuid
$$;
CREATE FUNCTION sees_every_authority() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('beteiligung.authority', true) = '*', false)
$$;


ALTER TABLE consultations ADD COLUMN authority_id uuid REFERENCES authorities (id);
UPDATE consultations SET authority_id = (SELECT id FROM authorities);
ALTER TABLE consultations ALTER COLUMN authority_id SET NOT NULL;
CREATE INDEX consultations_authority_idx ON consultations (authority_id);

-- An API client of an authority's staff names it.
ALTER TABLE api_clients DROP CONSTRAINT api_clients_role_check;
ALTER TABLE api_clients
    ADD COLUMN authority_id uuid REFERENCES authorities (id),
    ADD CONSTRAINT api_clients_role_check
        CHECK (role IN ('admin', 'authority_admin', 'moderator', 'partner'));
UPDATE api_clients SET authority_id = (SELECT id FROM authorities) WHERE role = 'moderator';
ALTER TABLE api_clients ADD CONSTRAINT api_clients_authority_check
    CHECK ((role IN ('authority_admin', 'moderator')) = (authority_id IS NOT NULL));

-- The rows of a consultation carry its authority, filled in by the database on insert.
ALTER TABLE rounds ADD COLUMN authority_id uuid REFERENCES authorities (id);
ALTER TABLE submissions ADD COLUMN authority_id uuid REFERENCES authorities (id);
ALTER TABLE registrations ADD COLUMN authority_id uuid REFERENCES authorities (id);
ALTER TABLE submission_addresses ADD COLUMN authority_id uuid REFERENCES authorities (id);
ALTER TABLE submission_counters ADD COLUMN authority_id uuid REFERENCES authorities (id);
-- An authority's own subscription hears only of its consultations; NULL: a partner's or
-- the platform's.
ALTER TABLE webhook_subscriptions ADD COLUMN authority_id uuid REFERENCES authorities (id);
-- A consultation's move to another authority is an event of the consultation.
ALTER TABLE events DROP CONSTRAINT events_entity_check;
ALTER TABLE events ADD CONSTRAINT events_entity_check
    CHECK (entity IN ('registration', 'submission', 'consultation'));
-- Rows about a resource of an authority; NULL: about none (an organisation, the platform).
ALTER TABLE events ADD COLUMN authority_id uuid REFERENCES authorities (id);
ALTER TABLE outbox ADD COLUMN authority_id uuid REFERENCES authorities (id);
ALTER TABLE webhook_attempts ADD COLUMN authority_id uuid REFERENCES authorities (id);
ALTER TABLE access_log ADD COLUMN authority_id uuid REFERENCES authorities (id);
ALTER TABLE idempotency_keys ADD COLUMN authority_id uuid REFERENCES authorities (id);

-- The authority of a registration, submission, round or consultation (most frequent first).
CREATE FUNCTION authority_of(subject uuid) RETURNS uuid LANGUAGE plpgsql STABLE AS $$
DECLARE
    found uuid;
BEGIN
    SELECT authority_id INTO found FROM registrations WHERE id = subject;
    IF found IS NULL THEN
        SELECT authority_id INTO found FROM submissions WHERE id = subject;
    END IF;
    IF found IS NULL THEN
        SELECT authority_id INTO found FROM rounds WHERE id = subject;
    END IF;
    IF found IS NULL THEN
        SELECT authority_id INTO found FROM consultations WHERE id = subject;
    END IF;
    RETURN found;
END
$$;

UPDATE rounds r SET authority_id = c.authority_id FROM consultations c WHERE c.id = r.consultation_id;
UPDATE submissions s SET authority_id = c.authority_id FROM consultations c WHERE c.id = s.consultation_id;
UPDATE registrations g SET authority_id = r.authority_id FROM rounds r WHERE r.id = g.round_id;
UPDATE submission_addresses a SET authority_id = s.authority_id FROM submissions s
 WHERE s.id = a.action_approach_id;
UPDATE submission_counters n SET authority_id = c.authority_id FROM consultations c
 WHERE c.id = n.consultation_id;
UPDATE events SET authority_id = authority_of(entity_id);
UPDATE outbox SET authority_id = authority_of(subject_id) WHERE subject_id IS NOT NULL;
UPDATE webhook_attempts a SET authority_id = o.authority_id FROM outbox o WHERE o.id = a.message_id;
UPDATE access_log SET authority_id = authority_of(substring(resource
    FROM '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')::uuid);
ALTER TABLE rounds ALTER COLUMN authority_id SET NOT NULL;
ALTER TABLE submissions ALTER COLUMN authority_id SET NOT NULL;
ALTER TABLE registrations ALTER COLUMN authority_id SET NOT NULL;
ALTER TABLE submission_addresses ALTER COLUMN authority_id SET NOT NULL;
ALTER TABLE submission_counters ALTER COLUMN authority_id SET NOT NULL;
CREATE INDEX rounds_authority_idx ON rounds (authority_id);
CREATE INDEX submissions_authority_idx ON submissions (authority_id);
CREATE INDEX registrations_authority_idx ON registrations (authority_id);
CREATE INDEX events_authority_idx ON events (authority_id);
CREATE INDEX outbox_authority_idx ON outbox (authority_id);
CREATE INDEX access_log_authority_idx ON access_log (authority_id, at);

-- Fills a new row's authority from what it belongs to; a row of nothing that has one
-- (an access log entry, an idempotency record) takes the writer's.
CREATE FUNCTION fill_authority() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.authority_id IS NOT NULL THEN
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME IN ('rounds', 'submissions', 'submission_counters') THEN
        NEW.authority_id := (SELECT authority_id FROM consultations WHERE id = NEW.consultation_id);
    ELSIF TG_TABLE_NAME = 'registrations' THEN
        NEW.authority_id := (SELECT authority_id FROM rounds WHERE id = NEW.round_id);
    ELSIF TG_TABLE_NAME = 'submission_addresses' THEN
        NEW.authority_id := (SELECT authority_id FROM submissions WHERE id = NEW.action_approach_id);
    ELSIF TG_TABLE_NAME = 'events' THEN
        -- (A condition on NEW.entity apart: it would be evaluated for other tables too.)
        IF NEW.entity = 'registration' THEN
            NEW.authority_id := (SELECT authority_id FROM registrations WHERE id = NEW.entity_id);
        ELSIF NEW.entity = 'submission' THEN
            NEW.authority_id := (SELECT authority_id FROM submissions WHERE id = NEW.entity_id);
        ELSE
            NEW.authority_id := authority_of(NEW.entity_id);
        END IF;
        NEW.authority_id := coalesce(NEW.authority_id, current_authority());
    ELSIF TG_TABLE_NAME = 'outbox' THEN
        NEW.authority_id := coalesce(authority_of(NEW.subject_id), current_authority());
    ELSIF TG_TABLE_NAME = 'webhook_attempts' THEN
        NEW.authority_id := (SELECT authority_id FROM outbox WHERE id = NEW.message_id);
    ELSIF TG_TABLE_NAME = 'access_log' THEN
        NEW.authority_id := coalesce(authority_of(substring(NEW.resource
            FROM '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')::uuid),
            current_authority());
    ELSIF TG_TABLE_NAME = 'idempotency_keys' THEN
        -- The stored response names what it created, e.g. `registrations/<id>`.
        NEW.authority_id := coalesce(authority_of(substring(NEW.location
            FROM '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')::uuid),
            current_authority());
    ELSE
        NEW.authority_id := current_authority();
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER rounds_authority BEFORE INSERT ON rounds FOR EACH ROW EXECUTE FUNCTION fill_authority();
CREATE TRIGGER submissions_authority BEFORE INSERT ON submissions FOR EACH ROW EXECUTE FUNCTION fill_authority();
CREATE TRIGGER registrations_authority BEFORE INSERT ON registrations FOR EACH ROW EXECUTE FUNCTION fill_authority();
CREATE TRIGGER submission_addresses_authority BEFORE INSERT ON submission_addresses FOR EACH ROW EXECUTE FUNCTION fill_authority();
CREATE TRIGGER submission_counters_authority BEFORE INSERT ON submission_counters FOR EACH ROW EXECUTE FUNCTION fill_authority();
CREATE TRIGGER webhook_subscriptions_authority BEFORE INSERT ON webhook_subscriptions FOR EACH ROW EXECUTE FUNCTION fill_authority();
CREATE TRIGGER events_authority BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION fill_authority();
CREATE TRIGGER outbox_authority BEFORE INSERT ON outbox FOR EACH ROW EXECUTE FUNCTION fill_authority();
CREATE TRIGGER webhook_attempts_authority BEFORE INSERT ON webhook_attempts FOR EACH ROW EXECUTE FUNCTION fill_authority();
CREATE TRIGGER access_log_authority BEFORE INSERT ON access_log FOR EACH ROW EXECUTE FUNCTION fill_authority();
CREATE TRIGGER idempotency_keys_authority BEFORE INSERT ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION fill_authority();

-- An event, message or stored response may be written before what it is about (a
-- submission's "created" event in the pipeline before the submission): it gets its
-- authority at commit, when that row is there. Only such rows queue the trigger. As the
-- owner, so that row-level security does not hide the row without an authority.
CREATE FUNCTION adopt_authority() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path = public AS $$
BEGIN
    IF TG_TABLE_NAME = 'events' THEN
        UPDATE events SET authority_id = authority_of(NEW.entity_id) WHERE id = NEW.id;
    ELSIF TG_TABLE_NAME = 'outbox' THEN
        UPDATE outbox SET authority_id = authority_of(NEW.subject_id) WHERE id = NEW.id;
    ELSE
        UPDATE idempotency_keys SET authority_id = authority_of(substring(NEW.location
            FROM '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')::uuid)
         WHERE scope = NEW.scope AND key = NEW.key;
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER events_adopt_authority AFTER INSERT ON events
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.authority_id IS NULL) EXECUTE FUNCTION adopt_authority();
CREATE CONSTRAINT TRIGGER outbox_adopt_authority AFTER INSERT ON outbox
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.authority_id IS NULL AND NEW.subject_id IS NOT NULL) EXECUTE FUNCTION adopt_authority();
CREATE CONSTRAINT TRIGGER idempotency_keys_adopt_authority AFTER INSERT ON idempotency_keys
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.authority_id IS NULL AND NEW.location IS NOT NULL) EXECUTE FUNCTION adopt_authority();

-- A consultation moved to another authority (by the platform admin) takes its rows along.
CREATE FUNCTION move_consultation_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE rounds SET authority_id = NEW.authority_id WHERE consultation_id = NEW.id;
    UPDATE submissions SET authority_id = NEW.authority_id WHERE consultation_id = NEW.id;
    UPDATE submission_counters SET authority_id = NEW.authority_id WHERE consultation_id = NEW.id;
    UPDATE registrations SET authority_id = NEW.authority_id
     WHERE round_id IN (SELECT id FROM rounds WHERE consultation_id = NEW.id);
    UPDATE submission_addresses SET authority_id = NEW.authority_id
     WHERE action_approach_id IN (SELECT id FROM submissions WHERE consultation_id = NEW.id);
    UPDATE events SET authority_id = NEW.authority_id
     WHERE entity_id = NEW.id
        OR entity_id IN (SELECT id FROM rounds WHERE consultation_id = NEW.id)
        OR entity_id IN (SELECT id FROM submissions WHERE consultation_id = NEW.id)
        OR entity_id IN (SELECT g.id FROM registrations g JOIN rounds r ON r.id = g.round_id
                          WHERE r.consultation_id = NEW.id);
    UPDATE outbox SET authority_id = NEW.authority_id
     WHERE subject_id IS NOT NULL AND authority_id = OLD.authority_id
       AND authority_of(subject_id) = NEW.authority_id;
    UPDATE webhook_attempts a SET authority_id = o.authority_id
      FROM outbox o WHERE o.id = a.message_id AND a.authority_id IS DISTINCT FROM o.authority_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER consultations_move AFTER UPDATE OF authority_id ON consultations
    FOR EACH ROW WHEN (OLD.authority_id IS DISTINCT FROM NEW.authority_id)
    EXECUTE FUNCTION move_consultation_rows();

-- The role of the service's request connections: not the tables' owner, no BYPASSRLS, so
-- the policies below hold for it. Migrations run as the owner. Roles are the cluster's:
-- another database of the same cluster may have made it already.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'beteiligung_app') THEN
        CREATE ROLE beteiligung_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;
DO $$
BEGIN
    EXECUTE format('GRANT beteiligung_app TO %I', current_user);
    -- sync_watermark() reads the transactions of every session of the service.
    GRANT pg_read_all_stats TO beteiligung_app;
EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
    RAISE WARNING 'beteiligung_app: %', SQLERRM;
END
$$;
DO $$
BEGIN
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO beteiligung_app', current_database());
END
$$;
GRANT USAGE ON SCHEMA public TO beteiligung_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO beteiligung_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO beteiligung_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO beteiligung_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO beteiligung_app;
REVOKE ALL ON __diesel_schema_migrations FROM beteiligung_app;
GRANT SELECT ON __diesel_schema_migrations TO beteiligung_app;

-- Row-level security: a connection scoped to an authority sees and writes only its rows.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['consultations', 'rounds', 'submissions', 'registrations',
        'submission_addresses', 'submission_counters', 'events', 'outbox', 'webhook_attempts',
        'access_log', 'idempotency_keys']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY %I ON %I USING (sees_every_authority() OR authority_id = current_authority())',
                       t || '_of_authority', t);
    END LOOP;
END
$$;
-- Subscriptions of partners and of the platform (no authority) hear of every authority's
-- consultations, so the events a scoped caller's change causes reach them too; the
-- service's own rule keeps them out of an authority's lists.
ALTER TABLE webhook_subscriptions ENABLE ROW LEVEL SECURITY;
CREATE POLICY webhook_subscriptions_of_authority ON webhook_subscriptions
    USING (sees_every_authority() OR authority_id IS NULL OR authority_id = current_authority())
    WITH CHECK (sees_every_authority() OR authority_id = current_authority());
