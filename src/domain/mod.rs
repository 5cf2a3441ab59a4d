//! The rules of the domain, each in the module named after what it governs, with the
//! queries that enforce them.

pub mod access_log;
pub mod authority;
pub mod calendar;
pub mod category;
pub mod client;
pub mod consideration_table;
pub mod consultation;
pub mod event;
pub mod idempotency;
pub mod import;
pub mod language;
pub mod notification;
pub mod organisation;
pub mod outbox;
pub mod page;
pub mod policy;
pub mod precondition;
pub mod privacy;
pub mod processing;
pub mod registration;
pub mod report;
pub mod retention;
pub mod round;
pub mod submission;
pub mod texts;
pub mod translation;
pub mod validate;
pub mod webhook;
