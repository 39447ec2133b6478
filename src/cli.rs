//! Command line: clap parses raw arguments, which are validated into a [`Command`]
//! before anything reaches the engine; [`run`] executes it and returns the exit code.

// Writing to a closed pipe (`nines check … 2>&1 | head -1`) must not panic, as
// `print!` and `eprint!` do: these write and ignore the error.
macro_rules! out {
    ($($t:tt)*) => {{ use std::io::Write as _; let _ = write!(std::io::stdout(), $($t)*); }};
}
macro_rules! outln {
    ($($t:tt)*) => {{ use std::io::Write as _; let _ = writeln!(std::io::stdout(), $($t)*); }};
}
macro_rules! err {
    ($($t:tt)*) => {{ use std::io::Write as _; let _ = write!(std::io::stderr(), $($t)*); }};
}
macro_rules! errln {
    ($($t:tt)*) => {{ use std::io::Write as _; let _ = writeln!(std::io::stderr(), $($t)*); }};
}

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnostic::{Diagnostic, Severity};
use crate::render::{Format, human, json};
use crate::rules;
use crate::source::SourceFile;
use crate::syntax;

#[derive(Parser, Debug)]
#[command(
    name = "nines",
    version,
    about = "Check an architecture model's availability, latency and capacity against its objectives"
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Commands,
}

#[derive(Subcommand, Debug)]
pub enum Commands {
    /// Analyse a model and report every objective it cannot meet (exit 1 on errors; see --fail-on).
    Check(CheckArgs),
    /// Format a DSL (.nines) file canonically, keeping its comments (in place by default).
    Fmt(FmtArgs),
    /// Convert a model between YAML and the DSL (the model is validated first).
    Convert(ConvertArgs),
    /// Explain a rule id (or list every rule when none is given).
    Explain {
        /// Rule id such as slo/availability.
        rule: Option<String>,
    },
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The model file: `.nines` is the DSL, `.yaml`/`.yml` YAML, anything else is sniffed.
    pub file: PathBuf,
    /// Output format on stdout.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Also write output to a file, whole or not at all: `FORMAT=FILE`, e.g.
    /// `-o human=report.txt`, or `FILE` (JSON when it ends in `.json`, else in --format).
    /// Repeatable.
    #[arg(short = 'o', long = "output", value_name = "[FORMAT=]FILE")]
    pub outputs: Vec<String>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Colour in human output (auto honours NO_COLOR and whether stdout is a terminal).
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// The date waivers are checked against (YYYY-MM-DD; default: today, UTC).
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// The DSL file to format.
    pub file: PathBuf,
    /// Change nothing; exit 1 and name the file if it is not formatted.
    #[arg(long, conflicts_with = "stdout")]
    pub check: bool,
    /// Print the formatted text on stdout instead of rewriting the file.
    #[arg(long)]
    pub stdout: bool,
}

#[derive(clap::Args, Debug)]
pub struct ConvertArgs {
    /// The model file (spelling chosen as for `check`).
    pub file: PathBuf,
    /// The spelling to write.
    #[arg(long, value_enum)]
    pub to: Target,
    /// Write to this file (whole or not at all) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    Yaml,
    Dsl,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// `check` options after validation.
pub struct CheckConfig {
    pub file: PathBuf,
    pub format: Format,
    pub outputs: Vec<(Format, PathBuf)>,
    pub fail_on: Option<Severity>,
    pub color: bool,
    pub today: String,
}

impl CheckArgs {
    pub fn validate(self) -> Result<CheckConfig, String> {
        let mut outputs = Vec::new();
        for spec in &self.outputs {
            let (format, path) = match spec.split_once('=') {
                Some((name, path)) => {
                    let format = Format::from_str(name, true).map_err(|_| {
                        format!("unknown output format `{name}` in `-o {spec}` (expected human or json)")
                    })?;
                    (format, path)
                }
                // Asking for `report.json` and getting the human text would surprise.
                None if spec.to_ascii_lowercase().ends_with(".json") => (Format::Json, spec.as_str()),
                None => (self.format, spec.as_str()),
            };
            if path.is_empty() {
                return Err(format!("`-o {spec}` names no file"));
            }
            outputs.push((format, PathBuf::from(path)));
        }
        let today = match self.today {
            Some(date) if crate::model::is_iso_date(&date) => date,
            Some(date) => return Err(format!("--today expects a date written YYYY-MM-DD, not `{date}`")),
            None => today_utc(),
        };
        let color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
            }
        };
        let fail_on = match self.fail_on {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Never => None,
        };
        Ok(CheckConfig { file: self.file, format: self.format, outputs, fail_on, color, today })
    }
}

/// Today's date in UTC as YYYY-MM-DD (civil-from-days, Howard Hinnant).
fn today_utc() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_INVALID: u8 = 2;

pub fn run(args: Args) -> ExitCode {
    match args.command {
        Commands::Check(check) => match check.validate() {
            Ok(config) => ExitCode::from(run_check(&config)),
            Err(message) => {
                errln!("error: {message}");
                ExitCode::from(EXIT_INVALID)
            }
        },
        Commands::Fmt(args) => ExitCode::from(run_fmt(&args)),
        Commands::Convert(args) => ExitCode::from(run_convert(&args)),
        Commands::Explain { rule } => ExitCode::from(explain(rule.as_deref())),
    }
}

/// Prints input errors the way `check` does; returns [`EXIT_INVALID`].
fn report_invalid(source: &SourceFile, diagnostics: &[Diagnostic], what: &str) -> u8 {
    err!("{}", human::diagnostics(source, diagnostics, std::io::stderr().is_terminal()));
    let n = diagnostics.len();
    errln!("{n} problem{} in {}: {what}", if n == 1 { "" } else { "s" }, source.name);
    EXIT_INVALID
}

fn run_fmt(args: &FmtArgs) -> u8 {
    let source = match read_source(&args.file) {
        Ok(source) => source,
        Err(message) => {
            errln!("error[input/io]: {message}");
            return EXIT_INVALID;
        }
    };
    if syntax::Spelling::of(&source.name, &source.text) != syntax::Spelling::Dsl {
        errln!("error: {} is YAML; `nines fmt` formats DSL files (`nines convert --to dsl` converts)", source.name);
        return EXIT_INVALID;
    }
    let node = match syntax::parse_dsl(&source.text) {
        Ok(node) => node,
        Err(diagnostics) => return report_invalid(&source, &diagnostics, "nothing was formatted"),
    };
    let formatted = match syntax::rewrite(&source, &node, syntax::Spelling::Dsl) {
        Ok(text) => text,
        Err(diagnostics) => return report_invalid(&source, &diagnostics, "nothing was formatted"),
    };
    if args.stdout {
        out!("{formatted}");
        return EXIT_CLEAN;
    }
    let changed = formatted != source.text;
    if args.check {
        if changed {
            outln!("{} is not formatted (run `nines fmt {}`)", source.name, source.name);
            return EXIT_FINDINGS;
        }
        return EXIT_CLEAN;
    }
    if changed {
        if let Err(e) = write_atomically(&args.file, &formatted) {
            errln!("error: cannot write {}: {e}", source.name);
            return EXIT_INVALID;
        }
        errln!("formatted {}", source.name);
    }
    EXIT_CLEAN
}

fn run_convert(args: &ConvertArgs) -> u8 {
    let source = match read_source(&args.file) {
        Ok(source) => source,
        Err(message) => {
            errln!("error[input/io]: {message}");
            return EXIT_INVALID;
        }
    };
    let to = match args.to {
        Target::Yaml => syntax::Spelling::Yaml,
        Target::Dsl => syntax::Spelling::Dsl,
    };
    let text = match crate::convert(&source, to) {
        Ok(text) => text,
        Err(diagnostics) => return report_invalid(&source, &diagnostics, "nothing was converted"),
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = write_atomically(path, &text) {
                errln!("error: cannot write {}: {e}", path.display());
                return EXIT_INVALID;
            }
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
        }
    }
    EXIT_CLEAN
}

fn explain(rule: Option<&str>) -> u8 {
    match rule {
        None => {
            let width = rules::RULES.iter().map(|r| r.id.len()).max().unwrap_or(0);
            for r in rules::RULES {
                outln!("{:<width$}  {}", r.id, r.summary);
            }
            EXIT_CLEAN
        }
        Some(id) => match rules::find(id) {
            Some(r) => {
                outln!("{}: {}\n\n{}", r.id, r.summary, r.explanation);
                if r.waivable {
                    outln!("\nWaivable: add `waivers: [{{rule: {}, reason: \"…\"}}]` to the element.", r.id);
                }
                EXIT_CLEAN
            }
            None => {
                let hint = crate::model::did_you_mean(id, rules::RULES.iter().map(|r| r.id))
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                errln!("error: unknown rule `{id}`{hint}; `nines explain` lists them all");
                EXIT_INVALID
            }
        },
    }
}

/// Reads a model file; the error is an `input/io` message.
fn read_source(path: &Path) -> Result<SourceFile, String> {
    let name = path.display().to_string();
    let metadata = std::fs::metadata(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    if metadata.is_dir() {
        return Err(format!("{name} is a directory, not a model file"));
    }
    if metadata.len() > crate::MAX_INPUT_BYTES as u64 {
        return Err(format!(
            "{name} is {} bytes; the largest accepted input is {} bytes",
            metadata.len(),
            crate::MAX_INPUT_BYTES
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| format!("{name} is not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to()))?;
    Ok(SourceFile::new(name, text))
}

fn run_check(config: &CheckConfig) -> u8 {
    let source = match read_source(&config.file) {
        Ok(source) => source,
        Err(message) => {
            errln!("error[input/io]: {message}");
            if config.format == Format::Json {
                let source = SourceFile::new(config.file.display().to_string(), "");
                out!("{}", json::input_errors(&source, &[crate::diagnostic::Diagnostic::error("input/io", message)]));
            }
            return EXIT_INVALID;
        }
    };
    let checked = match crate::check_source(&source, &config.today) {
        Ok(checked) => checked,
        Err(diagnostics) => {
            err!("{}", human::diagnostics(&source, &diagnostics, config.color && std::io::stderr().is_terminal()));
            let n = diagnostics.len();
            errln!("{n} problem{} in {}: nothing was checked", if n == 1 { "" } else { "s" }, source.name);
            if config.format == Format::Json {
                out!("{}", json::input_errors(&source, &diagnostics));
            }
            for (format, path) in &config.outputs {
                let text = match format {
                    Format::Json => json::input_errors(&source, &diagnostics),
                    Format::Human => human::diagnostics(&source, &diagnostics, false),
                };
                if let Err(e) = write_atomically(path, &text) {
                    errln!("error: cannot write {}: {e}", path.display());
                }
            }
            return EXIT_INVALID;
        }
    };
    let render = |format: Format, color: bool| match format {
        Format::Human => human::report(&source, &checked, color),
        Format::Json => json::report(&source, &checked),
    };
    let stdout_text = render(config.format, config.color);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(stdout_text.as_bytes());
    let _ = stdout.flush();
    if config.format != Format::Human {
        errln!("{}: {}", source.name, human::counts_line(&checked.findings));
    }
    let mut code = match config.fail_on {
        Some(threshold) if checked.findings.iter().any(|d| d.counts_at(threshold)) => EXIT_FINDINGS,
        _ => EXIT_CLEAN,
    };
    for (format, path) in &config.outputs {
        if let Err(e) = write_atomically(path, &render(*format, false)) {
            errln!("error: cannot write {}: {e}", path.display());
            code = EXIT_INVALID;
        }
    }
    code
}

/// Writes `text` to a temporary file beside `path`, then renames it into place, so
/// a reader never sees a half-written file.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let file_name = path.file_name().ok_or_else(|| std::io::Error::other("not a file path"))?;
    let temp = dir.join(format!(".{}.{}.tmp", file_name.to_string_lossy(), std::process::id()));
    let result = std::fs::write(&temp, text).and_then(|()| std::fs::rename(&temp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
