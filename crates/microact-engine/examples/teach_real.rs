//! Teaching on real footage: for each hand-labelled clip of `tests/fixtures/teach/`, a model
//! taught from the first half's labels proposes on the second half, scored by segment F1 at
//! temporal IoU 0.5 with labels, beside a shipped recognizer's proposals on the same half. The
//! engine's own code does it (`teach::teach`, `teach::propose_people`, `analysis::score`).
//!
//! The poses are MoveNet SinglePose's as the page's one-person analysis makes them (tracking
//! crop, smoothing; the CPU kernels; each frame decoded by ffmpeg as I420 and sampled as the
//! engine samples a `VideoFrame`), kept beside each clip as a microact project with its hand
//! labels (`<clip>.microact.json`); `--poses` makes them again (needs ffmpeg and ffprobe).
//!
//! ```text
//! cargo run --release -p microact-engine --example teach_real [-- --poses] [--base penn-ddnet] [--fine-tune]
//! ```

use std::path::{Path, PathBuf};
use std::time::Instant;

use sha2::Digest;

use microact_core::formats::native;
use microact_core::labels::flat_set;
use microact_core::metrics::segment_scores;
use microact_core::model::{
    Frame, LabelRef, PoseFrame, PoseTrack, Project, Segment, SegmentId, Source, Status, Track,
    TrackId, Video, VideoId,
};
use microact_core::time::FrameRate;
use microact_engine::compute::cpu_device;
use microact_engine::live::Recognizer;
use microact_engine::native as ffmpeg;
use microact_engine::teach::{self, Lesson};
use microact_engine::{analysis, pose};
use microact_models::burn::tensor::{Device, read_sync};
use microact_models::manifest::Manifest;
use microact_models::pose::estimator::Estimator;
use microact_protocol::{Backend, Example, PersonFrames};

const FOLDER: &str = "tests/fixtures/teach";

fn main() {
    if let Err(e) = run() {
        eprintln!("teach_real: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let remake = args.iter().any(|a| a == "--poses");
    let fine_tune = args.iter().any(|a| a == "--fine-tune");
    let base = args
        .iter()
        .position(|a| a == "--base")
        .and_then(|i| args.get(i + 1))
        .map_or("jhmdb-ddnet", String::as_str);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let manifest_text = read(&root.join("models/manifest.json"))?;
    let manifest =
        Manifest::parse(&String::from_utf8_lossy(&manifest_text)).map_err(|e| e.to_string())?;
    let device = cpu_device();
    let mut clips: Vec<PathBuf> = std::fs::read_dir(root.join(FOLDER))
        .map_err(|e| e.to_string())?
        .filter_map(|e| Some(e.ok()?.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "webm"))
        .collect();
    clips.sort();
    let load = |name: &str| -> Result<Recognizer, String> {
        let file = &manifest.get(name).map_err(|e| e.to_string())?.file;
        let bytes = read(&root.join("models").join(file))?;
        Recognizer::load(&manifest, name, Backend::Cpu, bytes, &device).map_err(|e| e.to_string())
    };
    let embedding = load(base)?;
    let shipped = load("jhmdb-ddnet")?;
    println!(
        "| clip | labels | taught from (segments) | F1@0.5 taught | F1@0.5 {} | teach ms | propose ms |",
        shipped.name
    );
    println!("|---|---|---|---|---|---|---|");
    for clip in clips {
        let project_path = clip.with_extension("microact.json");
        if remake || !project_path.exists() {
            let project = analyse(&clip, &root, &manifest, &device)?;
            std::fs::write(&project_path, native::export(&project))
                .map_err(|e| format!("cannot write {}: {e}", project_path.display()))?;
        }
        let project = native::import(&String::from_utf8_lossy(&read(&project_path)?))
            .map_err(|e| format!("{}: {e}", project_path.display()))?;
        score(fine_tune, &clip, &project, &embedding, &shipped, &device)?;
    }
    Ok(())
}

fn read(p: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
}

/// The first half's labels taught, the second half proposed and scored.
fn score(
    fine_tune: bool,
    clip: &Path,
    project: &Project,
    embedding: &Recognizer,
    shipped: &Recognizer,
    device: &Device,
) -> Result<(), String> {
    let (Some(video), Some(track), Some(pose)) = (
        project.videos.first(),
        project.tracks.first(),
        project.poses.first(),
    ) else {
        return Err(format!("{} has no video, track or poses", clip.display()));
    };
    let mid = video.frames / 2;
    let half = |s: &Segment, from: Frame, to: Frame| {
        let (start, end) = (s.start.max(from), s.end.min(to));
        (end > start).then(|| Segment {
            start,
            end,
            ..s.clone()
        })
    };
    let mut labels: Vec<LabelRef> = Vec::new();
    let mut examples = Vec::new();
    for s in track.segments.iter().filter_map(|s| half(s, 0, mid)) {
        let label = labels
            .iter()
            .position(|l| *l == s.label)
            .unwrap_or_else(|| {
                labels.push(s.label.clone());
                labels.len() - 1
            });
        examples.push(Example {
            label: label as u32,
            frames: pose.between(s.start, s.end),
        });
    }
    let reference: Vec<Segment> = track
        .segments
        .iter()
        .filter_map(|s| half(s, mid, video.frames))
        .collect();
    let started = Instant::now();
    let lesson = Lesson {
        version: 1,
        labels: &labels,
        examples: &examples,
        fine_tune,
    };
    let model = read_sync(teach::teach(
        embedding,
        lesson,
        device,
        |_, _| {},
        || false,
        || started.elapsed().as_secs_f64() * 1000.0,
    ))
    .map_err(|e| e.to_string())?
    .map_err(|_| "cancelled".to_string())?;
    let teach_ms = started.elapsed().as_secs_f64() * 1000.0;
    let person = PersonFrames {
        id: 0,
        frames: pose.between(0, video.frames),
    };
    let started = Instant::now();
    let proposed = read_sync(teach::propose_people(
        &model,
        embedding,
        &[person.clone()],
        device,
    ))
    .map_err(|e| e.to_string())?;
    let propose_ms = started.elapsed().as_secs_f64() * 1000.0;
    let taught: Vec<Segment> = proposed
        .into_iter()
        .flat_map(|p| p.proposals)
        .filter_map(|s| half(&s, mid, video.frames))
        .collect();
    let f1 = |predicted: &[Segment]| segment_scores(predicted, &reference, &[0.5])[0].macro_f1;
    // The shipped recognizer's labels are JHMDB's: compared by name (walk and sit are in both).
    let by_name = |s: &Segment| Segment {
        label: LabelRef::new(&track.segments[0].label.set, &s.label.label),
        ..s.clone()
    };
    let shipped_segments: Vec<Segment> = read_sync(analysis::score(shipped, &person, device))
        .map_err(|e| e.to_string())?
        .map(|s| s.proposals)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| half(&by_name(s), mid, video.frames))
        .collect();
    let name = clip
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let names: Vec<&str> = labels.iter().map(|l| l.label.as_str()).collect();
    println!(
        "| {name} | {} | {} | {:.3} | {:.3} | {teach_ms:.0} | {propose_ms:.0} |",
        names.join(", "),
        examples.len(),
        f1(&taught),
        f1(&shipped_segments)
    );
    for s in &taught {
        eprintln!(
            "  taught  {:>5}–{:<5} {} {:.2}",
            s.start,
            s.end,
            s.label.label,
            s.score().unwrap_or(0.0)
        );
    }
    for s in &reference {
        eprintln!("  truth   {:>5}–{:<5} {}", s.start, s.end, s.label.label);
    }
    Ok(())
}

/// The clip's frames through MoveNet SinglePose as the page's analysis runs it, into a project
/// with the hand labels of `<clip>.labels.csv`.
fn analyse(
    clip: &Path,
    root: &Path,
    manifest: &Manifest,
    device: &Device,
) -> Result<Project, String> {
    let probe = ffmpeg::probe(clip).map_err(|e| e.to_string())?;
    let (size, rate) = (probe.size, probe.rate);
    let file = &manifest
        .get("movenet-lightning")
        .map_err(|e| e.to_string())?
        .file;
    let net = pose::load(
        manifest,
        "movenet-lightning",
        read(&root.join("models").join(file))?,
        Backend::Cpu,
        device,
    )
    .map_err(|e| e.to_string())?;
    let mut estimator = Estimator::new(net);
    let mut frames = Vec::new();
    let number = ffmpeg::pose_each(clip, &probe, &mut estimator, device, |n, people| {
        if let Some(p) = people.first() {
            frames.push(PoseFrame {
                frame: n,
                keypoints: p.keypoints.clone(),
            });
        }
    })
    .map_err(|e| e.to_string())?;
    let name = clip
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let bytes = read(clip)?;
    let video = Video {
        id: VideoId(1),
        name: name.clone(),
        rate,
        frames: number,
        width: size.width,
        height: size.height,
        hash: sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        bytes: bytes.len() as u64,
        rate_unknown: false,
    };
    let (set, segments) = hand_labels(&clip.with_extension("labels.csv"), rate, number)?;
    let mut project = Project::new(name.trim_end_matches(".webm"));
    project.label_sets.push(set);
    let mut track = Track::new(TrackId(1), VideoId(1), "Person 1");
    track.segments = segments;
    project.tracks.push(track);
    project.poses.push(PoseTrack {
        video: VideoId(1),
        person: 0,
        layout: "coco17".into(),
        frames,
        confidence: None,
    });
    project.videos.push(video);
    Ok(project)
}

/// `person,start_s,end_s,label` rows as human segments, and their labels as a set `teach`.
fn hand_labels(
    path: &Path,
    rate: FrameRate,
    frames: Frame,
) -> Result<(microact_core::labels::LabelSet, Vec<Segment>), String> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut names: Vec<String> = Vec::new();
    let mut segments = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let row = row.map_err(|e| format!("{}: {e}", path.display()))?;
        let seconds = |c: usize| row.get(c).and_then(|v| v.trim().parse::<f64>().ok());
        let (Some(start), Some(end), Some(label)) = (seconds(1), seconds(2), row.get(3)) else {
            return Err(format!(
                "{}: row {} is not person,start_s,end_s,label",
                path.display(),
                i + 2
            ));
        };
        if !names.iter().any(|n| n == label) {
            names.push(label.to_string());
        }
        let (start, end) = (
            rate.boundary_near(start),
            rate.boundary_near(end).min(frames),
        );
        segments.push(Segment {
            id: SegmentId(i as u64 + 1),
            start,
            end,
            label: LabelRef::new("teach", label),
            note: None,
            attributes: Default::default(),
            source: Source::Human {
                annotator: "hand".into(),
            },
            status: Status::Proposed,
        });
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    Ok((flat_set("teach", "Teach clips", &refs), segments))
}
