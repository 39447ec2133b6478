//! Output formats, one file each. Only this layer knows about miette and JSON.

pub mod human;
pub mod json;

/// Output formats of `nines check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}
