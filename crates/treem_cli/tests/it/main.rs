//! All integration tests of treem in one binary (each extra test binary costs
//! link time). HTTP tests go through the real router in-process; every test
//! that touches storage runs on SQLite, and on PostgreSQL too when
//! `TREEM_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// The server under test runs on the system clock, so the tests' expectations (today's
// year, a deadline hours from now) are read from it too.
#![allow(clippy::disallowed_methods)]

mod access;
mod audit_page;
mod auth;
mod case_imports;
mod cases;
mod catalogue;
mod cli;
mod docs;
mod duplicates;
mod engine;
mod engine_drilldown;
mod engine_targets;
mod exports;
mod fund;
mod harness;
mod headers;
mod households;
mod http_api;
mod http_ui;
mod hub;
mod i18n;
mod imports;
mod incident_imports;
mod incidents;
mod indicator_pages;
mod openapi;
mod passwords;
mod plan_checks;
mod plan_progress;
mod plans;
mod png;
mod privacy;
mod register;
mod reported;
mod schema;
mod sessions;
mod shared;
