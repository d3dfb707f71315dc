//! `microact analyse <clips… | list.txt | list.json | folder> --out DIR`: pre-label clips with
//! the page's analysis, one microact project per clip (see the crate's documentation).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use microact_cli::{
    Format, Options, Outcome, People, Progress, Recognizer, analyse_all, default_models_dir,
    read_inputs,
};

#[derive(Parser)]
#[command(
    name = "microact",
    version,
    about = "Pre-label video clips with microact's models"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse clips into microact projects (one per clip) and `report.json`.
    Analyse(AnalyseArgs),
}

#[derive(clap::Args)]
struct AnalyseArgs {
    /// Clips, folders of clips, or a list file (`.txt`: a path a line; `.json`: a list).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// The folder the projects, exports and report.json go to.
    #[arg(long)]
    out: PathBuf,
    /// One person (SinglePose, following them) or everyone (MultiPose and its tracker).
    #[arg(long, value_enum, default_value = "one")]
    people: Who,
    /// A shipped recognizer (`penn-ddnet`, `jhmdb-ddnet`, …).
    #[arg(long, conflicts_with = "model")]
    recognizer: Option<String>,
    /// A model taught in the page, exported to a file.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Also write this export format (repeatable): native, via3, elan, activitynet, ava,
    /// refava, mmaction-clips, mmaction-poses, cvat, csv, skeletons.
    #[arg(long = "format", value_parser = parse_format)]
    formats: Vec<Format>,
    /// Clips analysed at once, each on its own thread.
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// The models' folder (default: $MICROACT_MODELS, beside the binary, or the repository's).
    #[arg(long)]
    models: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Who {
    One,
    Everyone,
}

fn parse_format(id: &str) -> Result<Format, String> {
    Format::from_id(id).ok_or_else(|| {
        let ids: Vec<&str> = Format::ALL.iter().map(|f| f.id()).collect();
        format!("no format {id:?}; one of {}", ids.join(", "))
    })
}

fn main() -> ExitCode {
    let Command::Analyse(args) = Cli::parse().command;
    match analyse(args) {
        Ok(code) => code,
        Err(why) => {
            eprintln!("microact: {why}");
            ExitCode::FAILURE
        }
    }
}

fn analyse(args: AnalyseArgs) -> Result<ExitCode, String> {
    let recognizer = match (args.model, args.recognizer) {
        (Some(file), _) => Recognizer::Taught(file),
        (None, Some(name)) => Recognizer::Shipped(name),
        (None, None) => Recognizer::default(),
    };
    let options = Options {
        people: match args.people {
            Who::One => People::One,
            Who::Everyone => People::Everyone,
        },
        recognizer,
        models: args.models.unwrap_or_else(default_models_dir),
        ..Options::default()
    };
    let inputs = read_inputs(&args.inputs).map_err(|e| e.to_string())?;
    let bars = Bars::new(inputs.len());
    let report = analyse_all(
        &inputs,
        &args.out,
        &options,
        &args.formats,
        args.jobs,
        &|p| bars.show(p),
    )
    .map_err(|e| e.to_string())?;
    bars.videos.finish_and_clear();
    for entry in report
        .videos
        .iter()
        .filter(|e| e.outcome == Outcome::Failed)
    {
        let reason = entry.reason.as_deref().unwrap_or("");
        eprintln!("failed: {}: {reason}", entry.input.display());
    }
    let (frames, seconds) = report
        .videos
        .iter()
        .filter(|e| e.outcome == Outcome::Done)
        .fold((0, 0.0), |(f, s), e| (f + e.frames, s + e.seconds));
    println!(
        "{} done, {} skipped, {} failed; {frames} frames at {:.1} frames/s a clip; report: {}",
        report.count(Outcome::Done),
        report.count(Outcome::Skipped),
        report.count(Outcome::Failed),
        frames as f64 / seconds.max(1e-9),
        args.out.join("report.json").display()
    );
    Ok(if report.count(Outcome::Failed) > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// The progress shown: clips finished of all, and a bar per clip being analysed (frames/s and
/// time left).
struct Bars {
    multi: MultiProgress,
    videos: ProgressBar,
    running: Mutex<HashMap<PathBuf, ProgressBar>>,
}

impl Bars {
    fn new(videos: usize) -> Bars {
        let multi = MultiProgress::new();
        let bar = multi.add(ProgressBar::new(videos as u64));
        bar.set_style(style(
            "clips {pos}/{len} [{elapsed_precise}] {wide_bar} time left {eta}",
        ));
        Bars {
            multi,
            videos: bar,
            running: Mutex::new(HashMap::new()),
        }
    }

    fn show(&self, progress: Progress<'_>) {
        let Ok(mut running) = self.running.lock() else {
            return;
        };
        match progress {
            Progress::Frame {
                input,
                done,
                expected,
            } => {
                let bar = running.entry(input.to_path_buf()).or_insert_with(|| {
                    let bar = self.multi.add(ProgressBar::new(expected));
                    bar.set_style(style(
                        "{msg:20!} {bar:30} {pos}/{len} frames, {per_sec}, time left {eta}",
                    ));
                    bar.set_message(name(input));
                    bar
                });
                bar.set_length(expected.max(done));
                bar.set_position(done);
            }
            Progress::Finished { input, entry } => {
                if let Some(bar) = running.remove(input) {
                    bar.finish_and_clear();
                    self.multi.remove(&bar);
                }
                if entry.outcome != Outcome::Failed {
                    self.videos.set_message(name(input));
                }
                self.videos.inc(1);
            }
        }
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

fn name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}
