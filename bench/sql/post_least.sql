-- The least SQL that gives POST /api/v1/consultations/{id}/submissions its guarantees: one
-- statement, one commit. The consultation is held (KEY SHARE: a close waits for it) and must
-- be open; the key's advisory lock marks it in flight for exactly this transaction; a stored
-- outcome of the key stops the writes (a replay); the counter row gives the next number
-- under its row lock; the submission, its audit event and the replayable response are
-- written together. Nothing less: without the hold a submission could land after a close,
-- without the counter numbers could repeat, without the event or the stored response in the
-- same commit a crash could leave a change without history or a retry that creates twice.
\set k random(1, 2000000000)
WITH held AS (
  SELECT id FROM consultations WHERE id = :consultation::uuid AND status = 'open' FOR KEY SHARE
), in_flight AS (
  SELECT pg_try_advisory_xact_lock(hashtextextended('bench-least submission.create ' || :k::text || '-' || :client_id::text, 0)) AS locked
), stored AS (
  SELECT 1 FROM idempotency_keys WHERE scope = 'bench-least submission.create' AND key = :k::text || '-' || :client_id::text AND created_at > now() - interval '24 hours'
), numbered AS (
  INSERT INTO submission_counters (consultation_id, last_number)
  SELECT held.id, 1 FROM held, in_flight WHERE in_flight.locked AND NOT EXISTS (SELECT 1 FROM stored)
  ON CONFLICT (consultation_id) DO UPDATE SET last_number = submission_counters.last_number + 1
  RETURNING last_number
), created AS (
  INSERT INTO submissions (id, consultation_id, organisation_id, author_name, kind, topic, title, body, status, source, version, created_at, updated_at, number)
  SELECT gen_random_uuid(), :consultation::uuid, :org::uuid, 'Lasttest', 'need', 'sprache', 'Sprachkurse im ländlichen Raum', 'Die Kurse sind mit dem ÖPNV kaum erreichbar.', 'submitted', 'api', 1, now(), now(), 'L-' || lpad(last_number::text, 7, '0')
  FROM numbered
  RETURNING id, number
), audited AS (
  INSERT INTO events (entity, entity_id, actor, action, to_status)
  SELECT 'submission', id, 'partner' || chr(58) || 'bench', 'created', 'submitted' FROM created
), replayable AS (
  INSERT INTO idempotency_keys (scope, key, request_hash, location, response_body, created_at)
  SELECT 'bench-least submission.create', :k::text || '-' || :client_id::text, '\x00', '/api/v1/submissions/' || id, jsonb_build_object('id', id, 'number', number), now()
  FROM created
)
SELECT id, number FROM created;
