-- The Abwägungstabelle reads a consultation topic by topic in number order: each page an
-- index range, whatever the consultation's size.
CREATE INDEX submissions_table_idx
    ON submissions (consultation_id, topic, (substring(number FROM '[0-9]+$')::bigint));
