-- What POST /api/v1/consultations/{id}/submissions with an Idempotency-Key runs for a partner,
-- all in one transaction: hold the consultation (KEY SHARE, so a close waits for it), take the
-- key's advisory lock (in flight), look for a stored outcome, record the event and look up the
-- webhook subscriptions that hear of it (none here), then take the next number of the
-- consultation (its counter row stays locked to the commit), insert the submission (the
-- database's change stamps returned) and store the replayable response.
\set k random(1, 2000000000)
BEGIN;
SELECT id, slug, title, summary, status, topics, starts_on, ends_on, version, created_at, updated_at, number_prefix, retention_registrations_days, retention_authors_days, archived_at FROM consultations WHERE id = :consultation::uuid AND status = ANY (ARRAY['draft', 'open', 'closed', 'archived']) LIMIT 1 FOR KEY SHARE;
SELECT pg_try_advisory_xact_lock(hashtextextended('bench-pgbench submission.create' || ' ' || :k::text || '-' || :client_id::text, 0)) AS locked;
SELECT request_hash, error_kind, location, response_body FROM idempotency_keys WHERE scope = 'bench-pgbench submission.create' AND key = :k::text || '-' || :client_id::text AND created_at > now() - interval '24 hours' LIMIT 1;
SELECT gen_random_uuid() AS new_id \gset
INSERT INTO events (entity, entity_id, actor, action, to_status) VALUES ('submission', :new_id::uuid, 'partner' || chr(58) || 'bench', 'created', 'submitted');
SELECT id, organisation_id, events FROM webhook_subscriptions WHERE status = 'active' AND events && ARRAY['submission.created'];
INSERT INTO submission_counters (consultation_id, last_number) VALUES (:consultation::uuid, 1) ON CONFLICT (consultation_id) DO UPDATE SET last_number = submission_counters.last_number + 1 RETURNING last_number \gset
INSERT INTO submissions (id, consultation_id, round_id, organisation_id, author_name, author_email, kind, topic, title, body, status, decision_reason, duplicate_of, external_ref, source, version, created_at, updated_at, number) VALUES (:new_id::uuid, :consultation::uuid, NULL, :org::uuid, 'Lasttest', NULL, 'need', 'sprache', 'Sprachkurse im ländlichen Raum', 'Die Kurse sind mit dem ÖPNV kaum erreichbar.', 'submitted', NULL, NULL, NULL, 'api', 1, now(), now(), 'B-' || lpad(:last_number::text, 7, '0')) RETURNING created_at, updated_at;
INSERT INTO idempotency_keys (scope, key, request_hash, error_kind, location, response_body, personal_email, created_at) VALUES ('bench-pgbench submission.create', :k::text || '-' || :client_id::text, '\x00', NULL, '/api/v1/submissions/' || :new_id::text, '{"id": "x"}'::jsonb, NULL, now()) ON CONFLICT (scope, key) DO UPDATE SET request_hash = excluded.request_hash, error_kind = excluded.error_kind, location = excluded.location, response_body = excluded.response_body, personal_email = excluded.personal_email, created_at = excluded.created_at;
COMMIT;
