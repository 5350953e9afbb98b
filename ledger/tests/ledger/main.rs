//! The ledger's integration tests: one binary, one module per concern.

mod c2sp;
mod errors;
mod known_answers;
mod properties;
mod support;
mod tamper;
mod vectors;
