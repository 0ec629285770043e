//! Safety: what keeps a runbook from harming the account it runs against.
//!
//! Every AWS call of a script, helper, batch or revert passes through one choke point,
//! [`Context::dispatch`](crate::context::Context::dispatch), which layers these in order:
//! the interrupt check ([`interrupt`]), the operation's class ([`crate::aws::facts`]), the
//! dry-run plan ([`plan`], its reads answered from the [`planned`] state), the target line
//! ([`target`]), the confirmation of destructive calls ([`confirm`]), and the journal
//! ([`journal`], written by the [`recorder`]). Secrets are masked wherever a value is shown or
//! recorded by [`crate::value`], the one module that converts values.

pub mod confirm;
pub mod interrupt;
pub mod journal;
pub mod plan;
pub mod planned;
pub mod recorder;
pub mod report;
pub mod revert;
pub mod target;
pub mod undo;
