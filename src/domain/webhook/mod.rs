//! Webhooks for partner systems, by the Standard Webhooks specification: subscriptions,
//! the events written to the outbox in the transaction of each change, and the delivery
//! log. Delivery itself is the delivery layer's webhook worker.

mod delivery;
mod event;
pub mod signature;
mod subscription;
pub mod target;
mod wire;

pub use delivery::{deliveries, disable, record_attempt, redeliver};
pub use event::{Event, publish, publish_all, thin};
pub use subscription::{
    MAX_SUBSCRIPTIONS, PING, ROTATION_OVERLAP, SubscriptionRow, create, delete, find_for, list,
    ping, rotate_secret, subscription, update,
};
pub use wire::{
    Attempt, Delivery, EventType, NewSubscription, Subscription, SubscriptionPatch,
    SubscriptionStatus, SubscriptionWithSecret,
};
