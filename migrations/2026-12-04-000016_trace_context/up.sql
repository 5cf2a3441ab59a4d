-- The W3C traceparent of the traced request that wrote a message, so that its delivery
-- continues that trace (and hands it on to the receiver); NULL when it was not traced.
ALTER TABLE outbox
    ADD COLUMN traceparent text CHECK (char_length(traceparent) <= 55);
