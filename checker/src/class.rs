//! The classroom: one teacher, one shared cluster, a namespace per learner.
//!
//! [`learners`] reads the teacher's class file, [`manifests`] turns it into the namespaces and
//! RBAC to apply, [`observe`] reads the whole class with a few LISTs, [`board`] splits what it
//! read per learner and step and judges it with the learner's own evaluator, and [`render`]
//! prints the board. The command (`cmd/class.rs`) sits on top; nothing here knows it.

pub mod board;
pub mod follow;
pub mod learners;
pub mod live;
pub mod manifests;
pub mod observe;
pub mod render;

#[cfg(test)]
mod tests;

pub use board::{Board, ClassObservation, board};
pub use follow::follow;
pub use observe::{Members, observe};
