-- The ministry's considered response (Abwägung) to a submission: drafted by staff, shown
-- to others once published. A changed response is a draft again until published anew.
ALTER TABLE submissions
    ADD COLUMN response_consideration text CHECK (response_consideration IN
        ('considered', 'partly_considered', 'not_considered', 'noted')),
    ADD COLUMN response_text text CHECK (char_length(response_text) BETWEEN 1 AND 10000),
    ADD COLUMN response_published_at timestamptz,
    ADD CONSTRAINT submissions_response_complete
        CHECK ((response_consideration IS NULL) = (response_text IS NULL)),
    ADD CONSTRAINT submissions_response_published
        CHECK (response_published_at IS NULL OR response_consideration IS NOT NULL);
CREATE INDEX submissions_response_draft_idx ON submissions (consultation_id)
    WHERE response_consideration IS NOT NULL AND response_published_at IS NULL;
