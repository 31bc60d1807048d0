//! Integration and property tests of storydup. They run the real binary over fixtures built from
//! the five news reports in `seeds/`, each test in a fresh temporary folder.

mod dedup_cli;
mod determinism;
mod determinism_inputs;
mod eval_cli;
mod first_hour;
mod golden;
mod hostile_inputs;
mod index_cli;
mod input_errors;
mod input_formats;
mod kill;
mod parquet;
mod properties;
mod stories_cli;
mod stories_data;
mod util;
mod verify_cli;
