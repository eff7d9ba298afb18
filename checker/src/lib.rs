//! `checker`: verifies the steps of the lab "Init Container 初始化容器" against a learner's cluster.
//!
//! Data flows one way: the command line ([`cli`]) picks a step of the lab spec (`lab_spec`), the
//! [`cluster`] edge observes the namespace (or [`observation`] loads a saved state), the pure
//! [`evaluate`] turns the observation into a verdict per expectation, [`report`] renders it, and
//! [`progress`] remembers it.
//!
//! Layers: the commands ([`cmd`], one file each, and [`serve`]) sit on top; what they share —
//! the loaded lab and the check-and-record steps — is [`context`], below them; no module imports
//! the command layer.

pub mod auth;
pub mod book;
pub mod class;
pub mod cli;
pub mod clock;
pub mod cluster;
pub mod cmd;
pub mod context;
pub mod doctor;
pub mod error;
pub mod evaluate;
#[cfg(test)]
mod fixtures;
pub mod i18n;
pub mod input;
pub mod inspect;
pub mod kubeconfig;
pub mod lint;
pub mod observation;
pub mod permissions;
pub mod progress;
pub mod proxy;
pub mod quiz;
pub mod record;
pub mod report;
pub mod resources;
pub mod restarts;
pub mod sanitize;
pub mod serve;
pub mod status;
pub mod table;
pub mod timeline;
pub mod timing;
pub mod watch;
pub mod words;
