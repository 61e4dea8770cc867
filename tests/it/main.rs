//! provsim's integration tests, built as one test binary: a module per topic, and the
//! helpers several topics share in `common`. One topic alone:
//! `cargo test --test it cli::`.

mod common;

mod bounds;
mod break_even;
mod cli;
mod cloud_realism;
mod containers;
mod fidelity;
mod fluid_saturation;
mod functions;
mod hostile_input;
mod hybrid;
mod leases;
mod output_safety;
mod own_servers;
mod properties;
mod purchase;
mod replications;
mod report;
mod scale_to_zero;
mod strategies;
mod sweep;
mod traces;
mod validation;
