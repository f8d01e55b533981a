//! The module cache doctor: a fast parallel walk of GOMODCACHE and GOCACHE, statistics, prune
//! planning (pure) and safe removal.

pub mod binfile;
pub mod dirindex;
pub mod dirread;
pub mod fsinfo;
pub mod guard;
pub mod index;
pub mod layout;
pub mod location;
pub mod prune;
pub mod remove;
pub mod render;
pub mod required;
pub mod stats;
pub mod walk;
