-- The strict rate limits (tokens, registrations, confirmations, searches) counted once for
-- every replica: per policy and key (a client address) the theoretical arrival time of the
-- generic cell rate algorithm (GCRA). Unlogged: the counters are not worth a WAL record
-- each; a crash or a failover empties them, which only forgives.
CREATE UNLOGGED TABLE rate_limit_arrivals (
    policy text NOT NULL,
    key text NOT NULL,
    theoretical_arrival timestamptz NOT NULL,
    PRIMARY KEY (policy, key)
);

-- Takes one request from the quota of (policy, key), `requests` per `per_seconds`, in one
-- statement under the row's lock, so replicas counting together neither lose nor double a
-- request. `allowed`: whether the request may pass; `seconds`: when allowed, until the
-- quota is full again, else until the next request may pass; `remaining`: requests left.
CREATE FUNCTION take_rate_limit(
    policy text, key text, requests integer, per_seconds double precision,
    OUT allowed boolean, OUT remaining integer, OUT seconds double precision)
LANGUAGE plpgsql AS $$
DECLARE
    arrived timestamptz := clock_timestamp();
    emission interval := make_interval(secs => per_seconds / greatest(requests, 1));
    per interval := make_interval(secs => per_seconds);
    due timestamptz;
BEGIN
    INSERT INTO rate_limit_arrivals AS a (policy, key, theoretical_arrival)
    VALUES (take_rate_limit.policy, take_rate_limit.key, arrived)
    ON CONFLICT ON CONSTRAINT rate_limit_arrivals_pkey
        DO UPDATE SET theoretical_arrival = a.theoretical_arrival
    RETURNING greatest(a.theoretical_arrival, arrived) + emission INTO due;
    allowed := due - arrived <= per;
    IF allowed THEN
        UPDATE rate_limit_arrivals a SET theoretical_arrival = due
        WHERE a.policy = take_rate_limit.policy AND a.key = take_rate_limit.key;
        seconds := extract(epoch FROM due - arrived);
        remaining := floor(extract(epoch FROM per - (due - arrived))
                           / extract(epoch FROM emission))::integer;
    ELSE
        seconds := extract(epoch FROM due - per - arrived);
        remaining := 0;
    END IF;
END
$$;
