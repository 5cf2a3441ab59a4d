-- What POST /api/v1/consultations/{id}/submissions with an Idempotency-Key runs for a partner:
-- claim the key, load the consultation, then in one transaction insert the submission and its
-- event, read it back and store the response for replays.
\set k random(1, 2000000000)
INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ('bench-pgbench', :k::text || '-' || :client_id::text, '\x00') ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status_code = NULL, location = NULL, response_body = NULL, created_at = now() WHERE idempotency_keys.created_at < now() - interval '24 hours' OR (idempotency_keys.status_code IS NULL AND idempotency_keys.created_at < now() - interval '2 minutes') RETURNING true AS claimed;
SELECT id, slug, title, summary, status, topics, starts_on, ends_on, version, created_at, updated_at FROM consultations WHERE id = :consultation::uuid AND status <> 'draft' LIMIT 1;
BEGIN;
INSERT INTO submissions (id, consultation_id, round_id, organisation_id, author_name, author_email, kind, topic, title, body, status, decision_reason, duplicate_of, external_ref, source, version, created_at, updated_at) VALUES (gen_random_uuid(), :consultation::uuid, NULL, :org::uuid, 'Lasttest', NULL, 'need', 'sprache', 'Sprachkurse im ländlichen Raum', 'Die Kurse sind mit dem ÖPNV kaum erreichbar.', 'submitted', NULL, NULL, NULL, 'api', 1, now(), now()) RETURNING id AS new_id \gset
INSERT INTO events (entity, entity_id, actor, action, from_status, to_status, reason) VALUES ('submission', :new_id::uuid, 'partner' || chr(58) || 'bench', 'created', NULL, 'submitted', NULL);
SELECT id, consultation_id, round_id, organisation_id, author_name, author_email, kind, topic, title, body, status, decision_reason, duplicate_of, external_ref, source, version, created_at, updated_at FROM submissions WHERE (status = 'accepted' OR organisation_id = :org::uuid) AND id = :new_id::uuid LIMIT 1;
SELECT action_approach_id, need_id FROM submission_addresses WHERE action_approach_id = ANY (ARRAY[:new_id::uuid]) AND need_id IN (SELECT id FROM submissions WHERE status = 'accepted' OR organisation_id = :org::uuid) ORDER BY action_approach_id, need_id;
UPDATE idempotency_keys SET status_code = 201, location = '/api/v1/submissions/' || :new_id::text, response_body = '{"id": "x"}'::jsonb WHERE scope = 'bench-pgbench' AND key = :k::text || '-' || :client_id::text;
COMMIT;
