DROP INDEX submissions_number_key;
ALTER TABLE submissions DROP COLUMN number;
DROP TABLE submission_counters;
ALTER TABLE consultations DROP COLUMN number_prefix;
DROP FUNCTION slug_initials(text);
