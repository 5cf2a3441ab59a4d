-- What GET /api/v1/submissions/{id} runs for a partner: the row with the visibility rule,
-- then the needs it addresses.
\set n 10 * random(0, (:max_n / 10) - 1) + random(1, 4)
SELECT id, consultation_id, round_id, organisation_id, author_name, author_email, kind, topic, title, body, status, decision_reason, duplicate_of, external_ref, source, version, created_at, updated_at, number, response_consideration, response_text, response_published_at FROM submissions WHERE (status = 'accepted' OR organisation_id = :org::uuid) AND id = ('00000000-0000-7000-8000-' || lpad(:n::text, 12, '0'))::uuid LIMIT 1;
SELECT action_approach_id, need_id FROM submission_addresses WHERE action_approach_id = ANY (ARRAY[('00000000-0000-7000-8000-' || lpad(:n::text, 12, '0'))::uuid]) AND need_id IN (SELECT id FROM submissions WHERE status = 'accepted' OR organisation_id = :org::uuid) ORDER BY action_approach_id, need_id;
