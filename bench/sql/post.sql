-- What POST /api/v1/consultations/{id}/submissions with an Idempotency-Key runs for a partner,
-- in one transaction and three pipelines (statements that need no answer of one another are
-- sent together): hold the consultation (KEY SHARE, so a close waits for it), take the key's
-- advisory lock (in flight), look for a stored outcome, read the transaction's time (the
-- change stamps); then record the event, look up the webhook subscriptions that hear of it
-- (none here) and take the next number of the consultation (its counter row stays locked to
-- the commit); then insert the submission and store the replayable response. The service
-- generates the id and reads the number from the counter's answer; pgbench cannot carry an
-- answer out of a pipeline (no \gset there), so the id comes from the script's variables and
-- the insert reads the number back from the counter row this transaction holds.
\set k random(1, 2000000000)
BEGIN;
\startpipeline
SELECT id, slug, title, summary, status, topics, starts_on, ends_on, version, created_at, updated_at, number_prefix, retention_registrations_days, retention_authors_days, archived_at FROM consultations WHERE id = :consultation::uuid AND status = ANY (ARRAY['draft', 'open', 'closed', 'archived']) LIMIT 1 FOR KEY SHARE;
SELECT pg_try_advisory_xact_lock(hashtextextended('bench-pgbench submission.create' || ' ' || :k::text || '-' || :client_id::text, 0)) AS locked;
SELECT request_hash, error_kind, location, response_body FROM idempotency_keys WHERE scope = 'bench-pgbench submission.create' AND key = :k::text || '-' || :client_id::text AND created_at > now() - interval '24 hours' LIMIT 1;
SELECT now();
\endpipeline
\startpipeline
INSERT INTO events (entity, entity_id, actor, action, to_status) VALUES ('submission', ('00000000-0000-4000-' || lpad(:client_id::text, 4, '0') || '-' || lpad(:k::text, 12, '0'))::uuid, 'partner' || chr(58) || 'bench', 'created', 'submitted');
SELECT id, organisation_id, events FROM webhook_subscriptions WHERE status = 'active' AND events && ARRAY['submission.created'];
INSERT INTO submission_counters (consultation_id, last_number) VALUES (:consultation::uuid, 1) ON CONFLICT (consultation_id) DO UPDATE SET last_number = submission_counters.last_number + 1 RETURNING last_number
\endpipeline
\startpipeline
INSERT INTO submissions (id, consultation_id, round_id, organisation_id, author_name, author_email, kind, topic, title, body, status, decision_reason, duplicate_of, external_ref, source, version, created_at, updated_at, number) VALUES (('00000000-0000-4000-' || lpad(:client_id::text, 4, '0') || '-' || lpad(:k::text, 12, '0'))::uuid, :consultation::uuid, NULL, :org::uuid, 'Lasttest', NULL, 'need', 'sprache', 'Sprachkurse im ländlichen Raum', 'Die Kurse sind mit dem ÖPNV kaum erreichbar.', 'submitted', NULL, NULL, NULL, 'api', 1, now(), now(), 'B-' || lpad((SELECT last_number FROM submission_counters WHERE consultation_id = :consultation::uuid)::text, 7, '0'));
INSERT INTO idempotency_keys (scope, key, request_hash, error_kind, location, response_body, personal_email, created_at) VALUES ('bench-pgbench submission.create', :k::text || '-' || :client_id::text, '\x00', NULL, '/api/v1/submissions/' || ('00000000-0000-4000-' || lpad(:client_id::text, 4, '0') || '-' || lpad(:k::text, 12, '0'))::uuid::text, '{"id": "x"}'::jsonb, NULL, now()) ON CONFLICT (scope, key) DO UPDATE SET request_hash = excluded.request_hash, error_kind = excluded.error_kind, location = excluded.location, response_body = excluded.response_body, personal_email = excluded.personal_email, created_at = excluded.created_at;
\endpipeline
COMMIT;
