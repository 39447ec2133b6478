use clap::Parser;

fn main() -> std::process::ExitCode {
    ninecheck::cli::run(ninecheck::cli::Args::parse())
}
