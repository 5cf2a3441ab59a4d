-- Submission numbers: short references for minutes and tables (e.g. ISA-0042), unique in a
-- consultation, assigned in creation order from a counter per consultation, and never
-- changed once given (a later change of the prefix leaves existing numbers as they are).

-- The default prefix of a consultation: the initials of its slug, upper-case, starting
-- with a letter (integrationskonzept-sachsen-anhalt → ISA, 2019-dialog → B2D).
CREATE FUNCTION slug_initials(slug text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT left(CASE WHEN initials ~ '^[A-Z]' THEN initials ELSE 'B' || initials END, 10)
      FROM (SELECT upper(string_agg(left(part, 1), '' ORDER BY n)) AS initials
              FROM regexp_split_to_table(slug, '-') WITH ORDINALITY AS parts(part, n)) AS s
$$;

ALTER TABLE consultations ADD COLUMN number_prefix text;
UPDATE consultations SET number_prefix = slug_initials(slug);
ALTER TABLE consultations
    ALTER COLUMN number_prefix SET NOT NULL,
    ADD CONSTRAINT consultations_number_prefix_check
    CHECK (number_prefix ~ '^[A-Z][A-Z0-9]{0,9}$');

-- The last number given in each consultation; the row is locked by the statement that
-- takes the next one until its transaction ends, so numbers never repeat.
CREATE TABLE submission_counters (
    consultation_id  uuid PRIMARY KEY REFERENCES consultations (id),
    last_number      integer NOT NULL CHECK (last_number > 0)
);

ALTER TABLE submissions ADD COLUMN number text;
WITH numbered AS (
    SELECT s.id, c.number_prefix,
           row_number() OVER (PARTITION BY s.consultation_id ORDER BY s.created_at, s.id) AS n
      FROM submissions s JOIN consultations c ON c.id = s.consultation_id
)
UPDATE submissions s SET number = numbered.number_prefix || '-' || lpad(numbered.n::text, 4, '0')
  FROM numbered WHERE numbered.id = s.id;
INSERT INTO submission_counters (consultation_id, last_number)
SELECT consultation_id, count(*) FROM submissions GROUP BY consultation_id;
ALTER TABLE submissions
    ALTER COLUMN number SET NOT NULL,
    ADD CONSTRAINT submissions_number_check CHECK (number ~ '^[A-Z][A-Z0-9]{0,9}-[0-9]{4,}$');
CREATE UNIQUE INDEX submissions_number_key ON submissions (consultation_id, number);
