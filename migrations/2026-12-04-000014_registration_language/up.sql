-- The language a registrant is written to and shown pages in.
ALTER TABLE registrations
    ADD COLUMN language text NOT NULL DEFAULT 'de'
        CONSTRAINT registrations_language_known CHECK (language IN ('de', 'en', 'uk', 'ar'));
