ALTER TABLE rounds DROP COLUMN translations;
ALTER TABLE consultations DROP COLUMN translations;
DROP FUNCTION translations_shaped(jsonb);
