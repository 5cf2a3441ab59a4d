DROP INDEX outbox_webhook_recipient_idx;
DELETE FROM outbox WHERE channel = 'webhook';
ALTER TABLE outbox DROP CONSTRAINT outbox_payload_while_needed;
ALTER TABLE outbox ADD CONSTRAINT outbox_check CHECK ((status = 'pending') = (payload IS NOT NULL));
DROP TABLE webhook_attempts;
DROP TABLE webhook_subscriptions;
