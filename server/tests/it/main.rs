//! The server's integration tests, in one binary (one link step): the real
//! server on a random port, a fresh database per test in the private
//! PostgreSQL cluster that `scripts/test.sh` starts, and the Clubhouse
//! simulator over HTTP. `/metrics` has a binary of its own (`metrics.rs`).

#[path = "../common/mod.rs"]
mod common;

mod budget;
mod cards;
mod drills;
mod foundation;
mod history;
mod markup;
mod profiles;
mod robustness;
mod rolling_restart;
mod security;
mod upstream;
mod waitlist;
