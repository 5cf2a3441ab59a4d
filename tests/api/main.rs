//! Integration tests: the real server over HTTP against a real PostgreSQL database, one
//! database per test (cloned from a migrated template).

mod architecture;
mod auth;
mod authorities;
mod clients;
mod collector;
mod consideration_table;
mod consultations;
mod demo;
mod errors;
mod fixtures;
mod helpers;
mod http;
mod imports;
mod integrity;
mod isolation;
mod isolation_table;
mod notifications;
mod oidc;
mod operations;
mod organisations;
mod pages;
mod participation_report;
mod privacy;
mod provider;
mod read_replica;
mod receiver;
mod registrations;
mod reports;
mod rounds;
mod smtp;
mod submissions;
mod tracing;
mod webhooks;
