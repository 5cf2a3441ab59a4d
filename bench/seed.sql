-- Realistic volume for the load benchmark: 4 open consultations with 4 rounds each,
-- 60 organisations of every category, :submissions submissions (needs, action approaches
-- answering them, statements) in every status; half of them in consultation 1, the rest
-- spread over the others. Ids are deterministic so that the load
-- generator and pgbench can pick rows by number:
--   consultation c: 00000000-0000-7000-8002-00000000000c
--   organisation o: 00000000-0000-7000-8001-00000000000o
--   submission   n: 00000000-0000-7000-8000-nnnnnnnnnnnn   ((n-1) % 10 < 4: accepted)

\set ON_ERROR_STOP on

CREATE FUNCTION pg_temp.bench_id(kind int, n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE AS
$$ SELECT ('00000000-0000-7000-800' || kind || '-' || lpad(n::text, 12, '0'))::uuid $$;

INSERT INTO organisations (id, name, category, region)
SELECT pg_temp.bench_id(1, o),
       (ARRAY['Stadt', 'Landkreis', 'Verein', 'Netzwerk', 'Verband'])[1 + o % 5] || ' Beispiel ' || o,
       (ARRAY['municipality', 'chamber_or_business_association', 'municipal_coordination_office',
              'integration_commissioner', 'civil_society', 'association', 'school', 'daycare',
              'senior_association', 'integration_network', 'religious_community',
              'migrant_organisation', 'welfare_association', 'employment_agency', 'company',
              'other'])[1 + o % 16],
       (ARRAY['Magdeburg', 'Halle', 'Anhalt', 'Altmark', 'Harz'])[1 + o % 5]
FROM generate_series(1, 60) o;

-- All of them of the first authority (the one the migration made).
INSERT INTO consultations (id, slug, title, summary, status, topics, starts_on, ends_on,
                           number_prefix, authority_id)
SELECT pg_temp.bench_id(2, c), 'integrationskonzept-' || c, 'Integrationskonzept Teil ' || c,
       'Lasttest', 'open',
       '[{"key":"sprache","label":"Sprache"},{"key":"arbeitsmarkt","label":"Arbeitsmarkt"},
         {"key":"qualifizierung","label":"Qualifizierung"},{"key":"beratung","label":"Beratung"},
         {"key":"wohnen","label":"Wohnen"}]'::jsonb,
       DATE '2019-09-12', DATE '2030-12-31', 'IK' || c,
       (SELECT id FROM authorities ORDER BY created_at, id LIMIT 1)
FROM generate_series(1, 4) c;

INSERT INTO rounds (id, consultation_id, kind, title, venue_name, venue_city, region,
                    starts_at, ends_at, capacity, registration_opens_at)
SELECT pg_temp.bench_id(3, c * 10 + r), pg_temp.bench_id(2, c),
       CASE r WHEN 1 THEN 'kickoff' ELSE 'regional' END,
       (ARRAY['Auftaktkonferenz Magdeburg', 'Regionalkonferenz Dessau',
              'Regionalkonferenz Stendal', 'Regionalkonferenz Halle'])[r],
       'Tagungsort', (ARRAY['Magdeburg', 'Dessau-Roßlau', 'Stendal', 'Halle (Saale)'])[r],
       (ARRAY['Magdeburg', 'Anhalt', 'Altmark', 'Halle'])[r],
       now() + interval '30 days', now() + interval '30 days 5 hours', 130, now() - interval '1 day'
FROM generate_series(1, 4) c, generate_series(1, 4) r;

INSERT INTO submissions (id, consultation_id, round_id, organisation_id, author_name, kind,
                         topic, title, body, status, decision_reason, source, created_at, updated_at,
                         number)
SELECT pg_temp.bench_id(0, n),
       pg_temp.bench_id(2, c),
       pg_temp.bench_id(3, c * 10 + 1 + (n / 4) % 4),
       pg_temp.bench_id(1, 1 + n % 60),
       'Person ' || n,
       (ARRAY['need', 'need', 'action_approach', 'statement'])[1 + (n / 7) % 4],
       (ARRAY['sprache', 'arbeitsmarkt', 'qualifizierung', 'beratung', 'wohnen'])[1 + (n / 3) % 5],
       (ARRAY['Sprachkurse mit Kinderbetreuung', 'Anerkennung ausländischer Abschlüsse',
              'Beratung in Herkunftssprachen', 'Bezahlbarer Wohnraum im ländlichen Raum',
              'Berufsbezogene Deutschkurse', 'Mehr DaZ-Lehrkräfte an Schulen',
              'Kita-Plätze für neu zugewanderte Familien', 'Ehrenamt stärken'])[1 + n % 8] || ' ' || n,
       'Die Teilnehmenden der Regionalkonferenz sehen Bedarf: ' ||
       (ARRAY['Sprachkurse sind oft nur in den Oberzentren erreichbar.',
              'Verfahren zur Anerkennung dauern zu lange und sind schwer verständlich.',
              'Zugewanderte brauchen unbürokratische Beratung und Information.',
              'Wohnungen fehlen vor allem für große Familien.'])[1 + n % 4] || ' Nr. ' || n,
       (ARRAY['accepted', 'accepted', 'accepted', 'accepted', 'submitted', 'submitted',
              'submitted', 'in_review', 'in_review', 'rejected'])[1 + (n - 1) % 10],
       CASE WHEN (n - 1) % 10 = 9 THEN 'Nicht im Landesauftrag' END,
       'api', now() - interval '30 days', now() - interval '30 days', 'B-' || lpad(n::text, 6, '0')
FROM (SELECT n, CASE WHEN n % 2 = 0 THEN 1 ELSE 2 + n % 3 END AS c
      FROM generate_series(1, :submissions) n) numbered;

-- Each action approach answers the need twelve rows before it (the same consultation).
INSERT INTO submission_addresses (action_approach_id, need_id)
SELECT a.id, b.id
FROM generate_series(13, :submissions) n
JOIN submissions a ON a.id = pg_temp.bench_id(0, n) AND a.kind = 'action_approach'
JOIN submissions b ON b.id = pg_temp.bench_id(0, n - 12) AND b.kind = 'need';

ANALYZE;
