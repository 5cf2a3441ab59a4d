-- What GET /api/v1/consultations/{id}/submissions?limit=50&kind=need runs for a partner on a
-- first page: the sync watermark, then the page (rows under the visibility rule of the
-- consultation if the partner may see it, with the needs they address), sent together in one
-- pipeline and run in that order, each statement in its own snapshot.
\startpipeline
SELECT sync_watermark();
SELECT id, consultation_id, round_id, organisation_id, author_name, author_email, kind, topic, title, body, status, decision_reason, duplicate_of, external_ref, source, version, created_at, updated_at, number, response_consideration, response_text, response_published_at, ARRAY(SELECT a.need_id FROM submission_addresses a JOIN submissions n ON n.id = a.need_id WHERE a.action_approach_id = submissions.id AND (NOT true OR n.status = 'accepted' OR n.organisation_id = :org::uuid) ORDER BY a.need_id), CASE WHEN submissions.duplicate_of IS NOT NULL THEN (SELECT d.id FROM submissions d WHERE d.id = submissions.duplicate_of AND (NOT true OR d.status = 'accepted' OR d.organisation_id = :org::uuid)) END FROM submissions WHERE (status = 'accepted' OR organisation_id = :org::uuid) AND consultation_id = ANY (SELECT id FROM consultations WHERE id = :consultation::uuid AND status <> 'draft') AND kind = 'need' ORDER BY id LIMIT 51;
\endpipeline
