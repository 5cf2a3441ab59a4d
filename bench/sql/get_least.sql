-- The least SQL for GET /api/v1/submissions/{id} as a partner: one statement, the row with
-- the visibility rule and the needs it addresses that the partner may see. (The service
-- runs this, plus the visible duplicate as one more column.)
\set n 10 * random(0, (:max_n / 10) - 1) + random(1, 4)
SELECT id, consultation_id, round_id, organisation_id, author_name, author_email, kind, topic, title, body, status, decision_reason, duplicate_of, external_ref, source, version, created_at, updated_at, number, response_consideration, response_text, response_published_at, ARRAY(SELECT a.need_id FROM submission_addresses a JOIN submissions n ON n.id = a.need_id WHERE a.action_approach_id = submissions.id AND (n.status = 'accepted' OR n.organisation_id = :org::uuid) ORDER BY 1) FROM submissions WHERE (status = 'accepted' OR organisation_id = :org::uuid) AND id = ('00000000-0000-7000-8000-' || lpad(:n::text, 12, '0'))::uuid;
