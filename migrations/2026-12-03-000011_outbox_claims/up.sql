-- Which claims are in flight: set with the lease when a worker claims a message, cleared
-- when it marks the outcome (a crashed worker's claim simply expires). A claim takes at
-- most a few messages per recipient in flight, so that a dead receiver with a backlog
-- cannot take every delivery slot.
ALTER TABLE outbox ADD COLUMN claimed_until timestamptz;
CREATE INDEX outbox_claimed_idx ON outbox (channel, recipient)
    WHERE status = 'pending' AND claimed_until IS NOT NULL;
