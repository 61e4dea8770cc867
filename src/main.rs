//! The `provsim` command line: parses arguments, calls the library, reports errors.

#![forbid(unsafe_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  provsim run                                  run the built-in flash-crowd scenario
  provsim run scenarios/diurnal-week.toml      write output/diurnal-week/
  provsim run scenarios/*.toml --no-charts     several scenarios, CSV only
  provsim run scenarios/steady.toml --seed 7 --out /tmp/steady-7
  provsim run --replications 10                10 seeds: means ± 95 % confidence intervals
  provsim run scenarios/year-with-campaigns.toml   a year in the fluid fidelity (seconds)
  provsim run scenarios/launch-day.toml --fidelity fluid
  provsim compare-fidelity scenarios/flash-crowd.toml   how far fluid is from exact
  provsim break-even scenarios/flash-crowd.toml --spike-factor 1..10
                                               where autoscaling starts beating fixed fleets
  provsim sweep scenarios/sweeps/flash-crowd-sizing.toml
                                               many variants; the cheapest that meets the SLO
  provsim sweep SWEEP.toml --shard 0/4 --out D one shard of four (a cluster task); then:
  provsim merge D                              join the shards into D/merged/
  provsim validate scenarios/*.toml            check files without running them";

/// Own servers, an IDC lease, or cloud autoscaling? Plays the same traffic against each
/// and reports cost, idle capacity and latency.
#[derive(Parser)]
#[command(name = "provsim", version, about, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate scenario files and write summary.csv, timeseries.csv and charts.
    #[command(after_help = EXAMPLES)]
    Run {
        /// Scenario files (TOML). With none, runs the built-in flash-crowd scenario.
        scenarios: Vec<PathBuf>,
        /// Output folder [default: output/<scenario name>]. With several scenarios, each
        /// goes to DIR/<scenario name>.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Overrides the scenario's seed.
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
        /// Runs N independent seeds and reports means ± 95 % confidence intervals, each
        /// seed's results in replications.csv (overrides the scenario's `replications`).
        #[arg(long, value_name = "N", value_parser = replications_parser())]
        replications: Option<u32>,
        /// Simulate every request (`request`, exact) or integrate traffic in steps
        /// (`fluid`, fast, for months and years); overrides the scenario's `fidelity`.
        #[arg(long, value_enum, value_name = "KIND")]
        fidelity: Option<FidelityArg>,
        /// Write the CSV files only.
        #[arg(long)]
        no_charts: bool,
        /// Run even when the estimated work or memory is over the budget (1e10 events,
        /// 2 GB).
        #[arg(long)]
        allow_large: bool,
    },
    /// Vary the height of the scenario's traffic spikes and find where the policies' costs
    /// cross (writes break-even.csv, crossings.csv and break-even.png).
    BreakEven {
        /// Scenario file (TOML) with at least one `spike` shape. With none, the built-in
        /// flash-crowd scenario.
        scenario: Option<PathBuf>,
        /// Range of spike factors to sample, FROM..TO (e.g. 1..10).
        #[arg(long, value_name = "FROM..TO", value_parser = parse_range)]
        spike_factor: (f64, f64),
        /// Number of spike factors sampled, evenly spaced, ends included.
        #[arg(long, value_name = "N", default_value_t = 10)]
        steps: u32,
        /// Output folder [default: output/<scenario name>-break-even].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Overrides the scenario's seed.
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
        /// Overrides the scenario's fidelity (`fluid` is much faster for long horizons).
        #[arg(long, value_enum, value_name = "KIND")]
        fidelity: Option<FidelityArg>,
        /// Runs N seeds at every spike factor (the same N seeds at each): mean costs with
        /// 95 % confidence intervals, and intervals on the crossings (overrides the
        /// scenario's `replications`).
        #[arg(long, value_name = "N", value_parser = replications_parser())]
        replications: Option<u32>,
        /// Write the CSV files only.
        #[arg(long)]
        no_charts: bool,
        /// Run even when the estimated work or memory is over the budget (1e10 events,
        /// 2 GB).
        #[arg(long)]
        allow_large: bool,
    },
    /// Run many variants of one scenario (a sweep file's grid of field values) and pick,
    /// per policy, the best under an objective (writes sweep.csv and best.csv).
    #[command(after_help = SWEEP_HELP)]
    Sweep {
        /// Sweep file (TOML): `scenario`, `[[vary]]` fields and values, `[objective]`.
        sweep: PathBuf,
        /// Output folder [default: output/<sweep file stem>]; a shard writes
        /// DIR/shards/I-of-N/.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Run only shard I of N (points whose index ≡ I mod N, I from 0). Without it,
        /// the shard comes from a Slurm job array (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN
        /// of SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX,
        /// with --shards).
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// The number of shards of a Kubernetes Indexed Job (its completions); the shard is
        /// JOB_COMPLETION_INDEX.
        #[arg(long, value_name = "N")]
        shards: Option<u64>,
        /// Write the CSV files only.
        #[arg(long)]
        no_charts: bool,
        /// Run even when the estimated work or memory is over the budget (1e10 events,
        /// 2 GB).
        #[arg(long)]
        allow_large: bool,
    },
    /// Join the shards of a sweep (DIR/shards/I-of-N/) into the results one machine
    /// would have written.
    Merge {
        /// The sweep's output folder (the --out of its shards).
        dir: PathBuf,
        /// Output folder [default: DIR/merged].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Write the CSV files only.
        #[arg(long)]
        no_charts: bool,
    },
    /// Run scenarios in both fidelities and show how far fluid is from request level.
    CompareFidelity {
        /// Scenario files (TOML), each run at request level and in the fluid fidelity.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Run even when the estimated work or memory is over the budget (1e10 events,
        /// 2 GB).
        #[arg(long)]
        allow_large: bool,
    },
    /// Check scenario files and report the first problem in each.
    Validate {
        /// Scenario files (TOML) to check; nothing is simulated or written.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Accept scenarios over the work and memory budget, as `run --allow-large` does.
        #[arg(long)]
        allow_large: bool,
    },
    /// Print a shell completion script on stdout.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print provsim's manual page (roff) on stdout, or write one page per command into
    /// a folder.
    #[command(
        after_help = "Read it with: provsim man > provsim.1 && man ./provsim.1\n\
                            Install every page: provsim man --out ~/.local/share/man/man1"
    )]
    Man {
        /// Write provsim.1 and provsim-<command>.1 for every command into DIR instead.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

const SWEEP_HELP: &str = "\
Outputs (DIR): sweep.csv (one row per point × policy), best.csv (per policy, the best
point under the objective), charts/pareto.png and charts/objective.png, sweep.toml and
scenario.toml (as read), run.toml.
A shard writes DIR/shards/I-of-N/ (rows.csv, manifest.toml, the two files); `provsim
merge DIR` checks every shard is there, from the same files, and writes DIR/merged/.";

const COMPLETIONS_HELP: &str = "\
Install, for example:
  bash: provsim completions bash > ~/.local/share/bash-completion/completions/provsim
  zsh:  provsim completions zsh > ~/.zfunc/_provsim   (with fpath+=(~/.zfunc) before compinit)
  fish: provsim completions fish > ~/.config/fish/completions/provsim.fish";

/// `provsim completions SHELL`: the completion script on stdout.
fn print_completions(shell: clap_complete::Shell) {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "provsim",
        &mut std::io::stdout(),
    );
}

/// `provsim man`: the manual page on stdout, or with `out` one page per command in it.
fn man(out: Option<&std::path::Path>) -> std::io::Result<()> {
    let cmd = Cli::command();
    let Some(dir) = out else {
        return clap_mangen::Man::new(cmd).render(&mut std::io::stdout().lock());
    };
    std::fs::create_dir_all(dir)?;
    let write = |name: &str, page: clap_mangen::Man| -> std::io::Result<()> {
        let mut bytes = Vec::new();
        page.render(&mut bytes)?;
        std::fs::write(dir.join(format!("{name}.1")), bytes)
    };
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("provsim-{}", sub.get_name());
        write(
            &name,
            clap_mangen::Man::new(sub.clone()).title(name.clone()),
        )?;
    }
    write("provsim", clap_mangen::Man::new(cmd))
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FidelityArg {
    Request,
    Fluid,
}

/// `FROM..TO`: two numbers.
fn parse_range(s: &str) -> Result<(f64, f64), String> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| format!("expected FROM..TO (e.g. 1..10), got {s:?}"))?;
    let num = |t: &str| {
        t.trim()
            .parse::<f64>()
            .map_err(|_| format!("expected a number, got {t:?} in {s:?}"))
    };
    Ok((num(a)?, num(b)?))
}

fn fidelity_choice(f: FidelityArg) -> provsim::app::FidelityChoice {
    match f {
        FidelityArg::Request => provsim::app::FidelityChoice::Request,
        FidelityArg::Fluid => provsim::app::FidelityChoice::Fluid,
    }
}

/// `--replications`: a whole number in 1..=`MAX_REPLICATIONS`.
fn replications_parser() -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(1..=i64::from(provsim::app::MAX_REPLICATIONS))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // SIGINT, SIGTERM (and SIGHUP): remove the staging folders and lock files of the
    // outputs in progress, then exit as a shell expects of an interrupted command.
    let _ = ctrlc::set_handler(|| {
        provsim::report::output::interrupted();
        std::process::exit(130);
    });
    let result = match cli.command {
        Command::Run {
            scenarios,
            out,
            seed,
            replications,
            fidelity,
            no_charts,
            allow_large,
        } => provsim::app::run(&provsim::app::RunRequest {
            scenarios,
            out,
            seed,
            replications,
            fidelity: fidelity.map(fidelity_choice),
            charts: !no_charts,
            print: true,
            allow_large,
        })
        .map(|_| ()),
        Command::BreakEven {
            scenario,
            spike_factor: (from, to),
            steps,
            out,
            seed,
            fidelity,
            replications,
            no_charts,
            allow_large,
        } => provsim::app::break_even(&provsim::app::BreakEvenRequest {
            scenario,
            from,
            to,
            steps,
            out,
            seed,
            fidelity: fidelity.map(fidelity_choice),
            replications,
            charts: !no_charts,
            allow_large,
        })
        .map(|text| {
            let _ = write!(std::io::stdout().lock(), "{text}");
        }),
        Command::Sweep {
            sweep,
            out,
            shard,
            shards,
            no_charts,
            allow_large,
        } => provsim::sweep::sweep(&provsim::sweep::SweepRequest {
            sweep,
            out,
            shard,
            shards,
            charts: !no_charts,
            allow_large,
        })
        .map(|text| {
            let _ = write!(std::io::stdout().lock(), "{text}");
        }),
        Command::Merge {
            dir,
            out,
            no_charts,
        } => provsim::sweep::merge(&provsim::sweep::MergeRequest {
            dir,
            out,
            charts: !no_charts,
        })
        .map(|text| {
            let _ = write!(std::io::stdout().lock(), "{text}");
        }),
        Command::CompareFidelity {
            scenarios,
            allow_large,
        } => provsim::app::compare_fidelity_each(&scenarios, allow_large, |table| {
            let _ = write!(std::io::stdout().lock(), "{table}");
        }),
        Command::Completions { shell } => {
            print_completions(shell);
            Ok(())
        }
        Command::Man { out } => match (man(out.as_deref()), out) {
            (Err(e), Some(dir)) => Err(provsim::app::Error::Usage(format!(
                "cannot write the manual pages into {}: {e}",
                dir.display()
            ))),
            // A closed stdout (`provsim man | head`) is not a failure.
            _ => Ok(()),
        },
        Command::Validate {
            scenarios,
            allow_large,
        } => {
            let mut failed = None;
            let mut stdout = std::io::stdout().lock();
            for (path, result) in provsim::app::validate(&scenarios, allow_large) {
                match result {
                    Ok((s, estimate)) => {
                        for w in provsim::app::warnings(&path.display().to_string(), &s) {
                            eprintln!("warning: {w}");
                        }
                        let n = s.policies.len();
                        let _ = writeln!(
                            stdout,
                            "ok: {} ({n} polic{}; a run takes {estimate})",
                            s.name,
                            if n == 1 { "y" } else { "ies" }
                        );
                    }
                    Err(e) => {
                        eprintln!("error: {e}");
                        failed = Some(e.exit_code());
                    }
                }
            }
            return failed.map_or(ExitCode::SUCCESS, |code| ExitCode::from(code as u8));
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
