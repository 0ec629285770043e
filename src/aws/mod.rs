//! The AWS bridge: one generic path from a script's request map to an SDK call and back.
//!
//! `cognito::*` functions come from the generated table in [`cognito_ops`]; `iam::*`, `sts::*`
//! and `logs::*` from the hand-written tables in [`iam`], [`sts`] and [`logs`]. Every call goes
//! through [`call`]: check the request against the input [`Shape`](shape::Shape) into its
//! [`Wire`](wire::Wire) form, encode it in the service's protocol, send it through the SDK
//! client ([`exchange`], with the [`clients`] the flags chose), follow every page of a list
//! operation, and read the raw response with the output shape ([`response`]) into a Rhai map
//! keyed by the API's member names. [`facts`] says what each operation does to an account;
//! [`forms`] how each can be called positionally.
//!
//! This file only declares and re-exports: the files below import each other directly, so
//! nothing in `aws/` imports back through it.

pub mod call;
pub mod clients;
pub mod cognito_ops;
pub mod constraints;
pub mod error;
pub mod exchange;
pub mod facts;
pub mod forms;
pub mod iam;
pub mod logs;
pub mod member_docs;
pub mod names;
pub mod response;
pub mod shape;
pub mod sts;
pub mod timestamp;
pub mod wire;

pub use call::{Answer, Request, find_operation, operations, send};
pub use clients::{Clients, DEFAULT_TIMEOUT, Settings, check_profile};
pub use error::AwsError;
pub use shape::Operation;
