-- Translations of what front ends and mails show of consultations and rounds: their title
-- (and a consultation's summary) in English, Ukrainian and Arabic. German is the original,
-- the columns `title` and `summary` themselves, so `de` is no key here: one text, one place.
-- The shape is checked here, the lengths (those of the originals) by the service.

CREATE FUNCTION translations_shaped(translations jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT jsonb_typeof(translations) = 'object'
       AND translations - ARRAY['en', 'uk', 'ar'] = '{}'::jsonb
       AND NOT jsonb_path_exists(translations,
           '$.* ? (@.type() != "object" || !(@.title.type() == "string"))')
$$;

ALTER TABLE consultations
    ADD COLUMN translations jsonb NOT NULL DEFAULT '{}'
    CONSTRAINT consultations_translations_shaped CHECK (translations_shaped(translations));

ALTER TABLE rounds
    ADD COLUMN translations jsonb NOT NULL DEFAULT '{}'
    CONSTRAINT rounds_translations_shaped CHECK (translations_shaped(translations));
