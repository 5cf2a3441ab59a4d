-- The least SQL for GET /api/v1/consultations/{id}/submissions?limit=50&kind=need as a
-- partner: the consultation must exist and not be a draft (else 404), the page follows the
-- visibility rule, and each row carries the needs it addresses and the submission it duplicates as far as
-- the partner may see them: one
-- statement. The sync watermark must be read before that statement's snapshot is taken: read
-- in the same statement, a transaction committing between the snapshot and the read would be
-- neither in the page nor after the watermark, and the next sync would miss it. So it is a
-- statement of its own, sent in the same pipeline: no round trip of its own.
\startpipeline
SELECT sync_watermark();
SELECT p.*
FROM consultations c
LEFT JOIN LATERAL (
  SELECT s.id, s.consultation_id, s.round_id, s.organisation_id, s.author_name, s.author_email, s.kind, s.topic, s.title, s.body, s.status, s.decision_reason, s.duplicate_of, s.external_ref, s.source, s.version, s.created_at, s.updated_at, s.number, s.response_consideration, s.response_text, s.response_published_at,
         ARRAY(SELECT a.need_id FROM submission_addresses a JOIN submissions n ON n.id = a.need_id WHERE a.action_approach_id = s.id AND (n.status = 'accepted' OR n.organisation_id = :org::uuid) ORDER BY 1) AS addresses,
         CASE WHEN s.duplicate_of IS NOT NULL THEN (SELECT d.id FROM submissions d WHERE d.id = s.duplicate_of AND (d.status = 'accepted' OR d.organisation_id = :org::uuid)) END AS visible_duplicate_of
  FROM submissions s
  WHERE s.consultation_id = c.id AND s.kind = 'need' AND (s.status = 'accepted' OR s.organisation_id = :org::uuid)
  ORDER BY s.id LIMIT 51
) p ON true
WHERE c.id = :consultation::uuid AND c.status <> 'draft';
\endpipeline
