//! Everything of Gốc that runs only on the server: typed configuration, the database
//! [`Store`](store::Store) (SQLite or PostgreSQL), the domain operations (each one unit of
//! work with its transaction inside), and the non-page HTTP routes.
//!
//! Pages and server functions live in the `app` crate and call into this one.

pub mod access;
pub mod accounts;
pub mod archive;
pub mod audit;
pub mod boundary;
pub mod clock;
pub mod config;
pub mod consistency;
pub mod cooperatives;
pub mod demo;
pub mod diary;
pub mod error;
pub mod fetch;
pub mod generate;
pub mod gs1;
pub mod http;
pub mod import;
pub mod jobs;
pub mod labels;
pub mod log;
pub mod market;
pub mod monitor;
pub mod notify;
pub mod payments;
pub mod photos;
pub mod reports;
pub mod sealing;
pub mod services;
pub mod species;
pub mod store;
pub mod text;
pub mod trace;
pub mod trees;
pub mod witness;
pub mod zones;

pub use config::Config;
pub use error::{Error, Result};
pub use services::Services;
pub use store::Store;
