DROP INDEX submissions_response_draft_idx;
ALTER TABLE submissions
    DROP CONSTRAINT submissions_response_published,
    DROP CONSTRAINT submissions_response_complete,
    DROP COLUMN response_published_at,
    DROP COLUMN response_text,
    DROP COLUMN response_consideration;
