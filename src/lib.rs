//! Beteiligung: a REST/JSON API for stakeholder consultations of German state ministries.

#![warn(clippy::too_many_lines)]

pub mod api;
pub mod auth;
pub mod base;
pub mod config;
pub mod db;
pub mod delivery;
pub mod demo;
pub mod domain;
pub mod error;
pub mod jobs;
pub mod logging;
pub mod startup;
pub mod telemetry;
