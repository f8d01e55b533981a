//! go's fetch path, modelled once: which sources go tries for a module and in which order, the
//! checksum database and the credentials ([`plan`]); the one walker that owns the `,`/`|`/
//! `direct`/`off` rules ([`walker`]); walking a planned route over the network ([`walk`]);
//! version queries ([`versions`]); VCS discovery ([`vcs`]); module zips ([`modzip`]); the
//! checksum-database client ([`sumdb`]) and its tamper-evident log ([`tlog`]); whether a URL is a Go module proxy ([`proxy`]); what a
//! GOPROXY list means for the walked modules ([`chain`], [`run`]) and which modules those are
//! ([`walkset`]); known mirrors ([`catalogue`]);
//! the one meaning of `--timeout` ([`budget`]).
//!
//! Every command that says what go will do asks this module: `route`, `check`, `proxy test`,
//! `profile apply --check`, `setup`. The transport underneath is [`crate::net`].

pub mod budget;
pub mod catalogue;
pub mod chain;
pub mod hosts;
pub mod modzip;
pub mod plan;
pub mod proxy;
pub mod run;
pub mod sumdb;
pub mod tlog;
pub mod vcs;
pub mod versions;
pub mod walk;
pub mod walker;
pub mod walkset;
