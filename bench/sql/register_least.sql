-- The least SQL for a partner's registration for a round with limited seats: one
-- statement, one commit. The round's row lock (FOR UPDATE) serialises the seat count, so
-- the seat rule holds under any concurrency; the registration, its event and the
-- confirmation mail in the outbox commit with the count. Nothing less: without the lock two
-- registrations could take the last seat; without the outbox row in the same commit a mail
-- could be lost or sent for a registration that never was. Registrations of one round are
-- therefore bounded by one WAL flush each while the lock is held.
WITH seat AS (
  SELECT id, confirmed_count < capacity AS free FROM rounds WHERE id = :round::uuid FOR UPDATE
), counted AS (
  UPDATE rounds r SET confirmed_count = r.confirmed_count + seat.free::int,
                      waitlisted_count = r.waitlisted_count + (NOT seat.free)::int
  FROM seat WHERE r.id = seat.id
), registered AS (
  INSERT INTO registrations (id, round_id, name, email, organisation_id, status, registered_by_org, cancel_token_hash, consented_at, created_at, updated_at)
  SELECT gen_random_uuid(), seat.id, 'Teilnehmende', 'least-' || :client_id::text || '-' || random()::text || '@example.org', :org::uuid,
         CASE WHEN seat.free THEN 'confirmed' ELSE 'waitlisted' END, :org::uuid, '\x00', now(), now(), now()
  FROM seat
  RETURNING id, status
), audited AS (
  INSERT INTO events (entity, entity_id, actor, action, to_status)
  SELECT 'registration', id, 'partner' || chr(58) || 'bench', 'registered', status FROM registered
)
INSERT INTO outbox (id, channel, topic, recipient, subject_id, payload)
SELECT gen_random_uuid(), 'mail', 'registration.' || status, 'least@example.org', id, '{}'::jsonb FROM registered;
