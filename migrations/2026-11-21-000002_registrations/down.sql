DROP TABLE idempotency_keys; DROP TABLE events; DROP TABLE registrations; DROP SEQUENCE waitlist_seq;
