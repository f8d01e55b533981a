//! The integration tests, one binary (as ripgrep, uv and rustup do): one link instead of one
//! per file, and `tests/it/common` compiled once. Each module drives the built godoctor against
//! the real go in an isolated user; run one area with `cargo test --test it check::`.

mod common;

mod cache;
mod cache_guard;
mod check;
mod env;
mod env_safety;
mod explain;
mod fixes;
mod fuzz;
mod harness;
mod human_output;
mod json_shapes;
mod port;
mod portability;
mod probe;
mod profile;
mod proxy_cmd;
mod route_referee;
mod secrets;
mod setup;
mod syntax_referee;
mod terminal;
