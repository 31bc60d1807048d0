//! The `storydup` binary: parses arguments, runs the library, prints, and picks the exit code
//! (0 success, 2 error; a closed stdout pipe counts as success).

mod cli;
mod printer;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command, IndexArgs, IndexCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let subcommand = Subcommand::of(&cli.command);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::SUCCESS;
                }
            }
            let advice = e
                .downcast_ref::<storydup::Error>()
                .map(|e| subcommand.advice(e))
                .unwrap_or_default();
            eprintln!("storydup: {e}{advice}");
            ExitCode::from(2)
        }
    }
}

/// Which subcommand ran, for the advice its errors end with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subcommand {
    Dedup,
    Index,
    Stories,
    Eval,
    Verify,
    Params,
}

impl Subcommand {
    fn of(command: &Command) -> Subcommand {
        match command {
            Command::Dedup(_) => Subcommand::Dedup,
            Command::Index(_) => Subcommand::Index,
            Command::Stories(_) => Subcommand::Stories,
            Command::Eval(_) => Subcommand::Eval,
            Command::Verify(_) => Subcommand::Verify,
            Command::Params => Subcommand::Params,
        }
    }

    /// What this subcommand can do about `e` besides fixing the record, appended to the
    /// message. The one place that knows which options each subcommand has: the library's
    /// messages name only the fix itself and options every reader of records has
    /// (`--id-field`, `--text-field`, `--max-doc-bytes`, `--oversized`). A test checks that
    /// every option an error names is in the subcommand's `--help`.
    fn advice(self, e: &storydup::Error) -> String {
        let storydup::Error::Input { at, problem } = e else {
            return String::new();
        };
        if matches!(self, Subcommand::Dedup | Subcommand::Index) {
            return storydup::io::dedup::stop_advice(at, problem.kind);
        }
        let mut advice = storydup::io::dedup::first_line_advice(at, problem.kind).unwrap_or_default();
        // The input changing under a run is not the record's fault: skipping it would not help.
        if problem.kind != "changed" && self == Subcommand::Stories {
            advice.push_str("; or rerun with --on-error skip to list the record in the report and go on");
        }
        advice
    }
}

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let printer = printer::Printer::new(cli.quiet);
    match cli.command {
        Command::Dedup(args) => {
            if let Some(n) = args.params.threads {
                rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global()?;
            }
            let params = args.params.params();
            let progress = printer.progress();
            let summary = match &args.against {
                None => storydup::io::dedup::run(&args.inputs, &args.out, &params, &progress)?,
                Some(index) => {
                    let (summary, updated) = storydup::io::index::dedup_against(
                        &args.inputs,
                        index,
                        &args.out,
                        &params,
                        args.update,
                        &progress,
                    )?;
                    if let Some(u) = updated {
                        printer.index(&u);
                    }
                    summary
                }
            };
            progress.finish();
            printer.summary(&summary, &args.out);
        }
        Command::Index(IndexArgs {
            command: IndexCommand::Build(args),
        }) => {
            if let Some(n) = args.params.threads {
                rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global()?;
            }
            let params = args.params.params();
            let progress = printer.progress();
            let summary =
                storydup::io::index::build(&args.inputs, &args.index, args.out.as_deref(), &params, &progress)?;
            progress.finish();
            printer.index(&summary);
        }
        Command::Stories(args) => {
            if let Some(n) = args.threads {
                rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build_global()?;
            }
            printer.stories(&args)?;
        }
        Command::Eval(args) => {
            let scores = storydup::io::eval::evaluate(&args.truth, &args.pred)?;
            printer::print_scores(&scores, args.json)?;
        }
        Command::Verify(args) => {
            let audit = storydup::io::audit::verify(&args.dir, &args.inputs)?;
            printer::print_audit(&audit)?;
            if !audit.is_ok() {
                let different = audit.problems.iter().any(|p| p.starts_with("different input"));
                return Err(format!(
                    "{}: the outputs do not account for the input{}",
                    audit.problems_line(),
                    if different {
                        ", which is not the one the run read"
                    } else {
                        ""
                    }
                )
                .into());
            }
        }
        Command::Params => {
            println!("{}", serde_json::to_string_pretty(&storydup::Params::default())?);
        }
    }
    Ok(())
}
