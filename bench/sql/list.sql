-- A syncing list's first page takes its watermark first (sync_watermark()), then the page.
-- What GET /api/v1/consultations/{id}/submissions?limit=50&kind=need runs for a partner:
-- the consultation, one page with the visibility rule, the addressed needs of the page.
SELECT sync_watermark();
SELECT id, slug, title, summary, status, topics, starts_on, ends_on, version, created_at, updated_at, number_prefix, retention_registrations_days, retention_authors_days, archived_at FROM consultations WHERE id = :consultation::uuid AND status <> 'draft' LIMIT 1;
SELECT id, consultation_id, round_id, organisation_id, author_name, author_email, kind, topic, title, body, status, decision_reason, duplicate_of, external_ref, source, version, created_at, updated_at, number, response_consideration, response_text, response_published_at FROM submissions WHERE (status = 'accepted' OR organisation_id = :org::uuid) AND consultation_id = :consultation::uuid AND kind = 'need' ORDER BY id LIMIT 51;
SELECT action_approach_id, need_id FROM submission_addresses WHERE action_approach_id = ANY (:page_ids::uuid[]) AND need_id IN (SELECT id FROM submissions WHERE status = 'accepted' OR organisation_id = :org::uuid) ORDER BY action_approach_id, need_id;
