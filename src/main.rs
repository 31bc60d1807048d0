//! The `storydup` binary: parses arguments, runs the library, prints, and picks the exit code
//! (0 success, 2 error; a closed stdout pipe counts as success).

mod cli;
mod printer;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command, IndexArgs, IndexCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::SUCCESS;
                }
            }
            eprintln!("storydup: {e}");
            ExitCode::from(2)
        }
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
            for p in &audit.problems {
                println!("{p}");
            }
            println!(
                "{}: {} input records = {} kept + {} removed + {} rejected",
                if audit.is_ok() { "ok" } else { "FAILED" },
                audit.input,
                audit.kept,
                audit.removed,
                audit.rejected
            );
            if !audit.is_ok() {
                return Err(format!(
                    "{} problems: the outputs do not account for the input",
                    audit.problems.len()
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
