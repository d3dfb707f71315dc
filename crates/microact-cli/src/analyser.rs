//! One clip analysed as the page analyses it: its frames decoded (ffmpeg) and posed in order
//! (SinglePose with its tracking crop for one person, MultiPose and its tracker for everyone),
//! kept as the page's `Job` keeps an engine's part, the people worth a track scored by the
//! recognizer, and their analyses taken into a new project by the workspace, as one undo step.

use std::io::Read;
use std::path::Path;
use std::time::Instant;

use microact_core::formats::truth::Include;
use microact_core::formats::{FormatError, native};
use microact_core::labels::LabelSet;
use microact_core::model::Project;
use microact_core::taught::TAUGHT;
use microact_engine::native::{DecodeError, pose_each, probe};
use microact_engine::{EngineError, analysis, pose, teach};
use microact_models::burn::tensor::{Device, read_sync};
use microact_models::manifest::Classes;
use microact_models::pose::estimator::Estimator;
use microact_protocol::Reply;
use microact_workspace::clip_analysis::{Job, Part, Scored, scored, scored_taught};
use microact_workspace::io::{self, Exported, Format};
use microact_workspace::{OpenedClip, Workspace};
use sha2::{Digest, Sha256};

use crate::models::{LoadError, Models, Scorer};
use crate::{Options, People};

/// Why one clip could not be analysed.
#[derive(Debug, thiserror::Error)]
pub enum AnalyseError {
    #[error("no such file")]
    Missing,
    #[error("unreadable: {0}")]
    Read(#[from] std::io::Error),
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The page's words when nobody is worth a track.
    #[error("no person was found in the clip")]
    NoPerson,
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The workspace refused the analysis (its reason).
    #[error("the analysis could not be taken into the project: {0}")]
    Refused(String),
}

/// What an analysis saw and what it cost.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    /// Frames decoded and posed.
    pub frames: u64,
    /// People worth a track (each got one).
    pub people: usize,
    /// The clip's length, s.
    pub clip_seconds: f64,
    /// Time the analysis took, s (decoding, pose, recognizer).
    pub seconds: f64,
}

/// One clip's analysis: the project the page would have made of it.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub project: Project,
    pub stats: Stats,
    /// The clip's sha256 (hex), as the project's video records it.
    pub content_sha256: String,
    /// Which models and settings made it ([`Analyser::model_version`]).
    pub model_version: String,
    /// The recognizer's label set (what numbered export formats count in).
    pub labels: LabelSet,
}

impl Analysis {
    /// microact's project JSON, as the page exports and imports it.
    pub fn native_json(&self) -> String {
        native::export(&self.project)
    }

    /// The project in another format (`microact_core`'s exports, proposals included where the
    /// format holds them).
    pub fn export(&self, format: Format) -> Result<Exported, FormatError> {
        io::export(
            &self.project,
            format,
            None,
            &self.labels,
            Include::WithPredictions,
        )
    }
}

/// The models loaded once, for any number of clips one after another.
pub struct Analyser {
    people: People,
    device: Device,
    estimator: Estimator,
    multi: microact_protocol::MultiPose,
    scorer: Scorer,
    model_version: String,
}

impl Analyser {
    /// Loads MoveNet (packed for the CPU kernels) and the recognizer as the engine does.
    pub fn new(options: &Options) -> Result<Analyser, LoadError> {
        let models = Models::open(&options.models)?;
        let device = microact_engine::compute::cpu_device();
        let pose_model = options.people.pose_model();
        let net = models.pose(pose_model, &device)?;
        let scorer = models.scorer(&options.recognizer, &device)?;
        let pose_sha: String = models
            .manifest
            .get(pose_model)
            .map_err(EngineError::from)?
            .sha256
            .chars()
            .take(12)
            .collect();
        let multi = match options.people {
            People::One => String::new(),
            People::Everyone => format!(" {:?}", options.multi),
        };
        let model_version = format!(
            "{pose_model}@{pose_sha} {}{multi} cli {}",
            scorer.version(),
            env!("CARGO_PKG_VERSION")
        );
        Ok(Analyser {
            people: options.people,
            device,
            estimator: Estimator::new(net),
            multi: options.multi,
            scorer,
            model_version,
        })
    }

    /// Which models (weights' sha256), settings and tool version make this analyser's outputs:
    /// an output made with another is made again.
    pub fn model_version(&self) -> &str {
        &self.model_version
    }

    /// Analyses `video`.
    pub fn analyse(&mut self, video: &Path) -> Result<Analysis, AnalyseError> {
        self.analyse_with(video, &mut |_, _| {})
    }

    /// Analyses `video`; `progress` gets the frames posed so far and about how many there are
    /// (ffprobe's estimate, 0 when it has none) after each frame.
    pub fn analyse_with(
        &mut self,
        video: &Path,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Analysis, AnalyseError> {
        let started = Instant::now();
        if !video.is_file() {
            return Err(AnalyseError::Missing);
        }
        let (hash, bytes) = sha256_of(video)?;
        let clip = probe(video)?;
        let expected = clip.frames.unwrap_or(0);
        // A fresh session: no crop, smoothing or tracker ids from the clip before.
        self.estimator.reset();
        self.estimator.set_multi(pose::multi_input(self.multi));
        // The whole clip as one engine part (the page's one worker), its frames kept as the
        // page keeps them.
        let mut part = Part {
            from: 0,
            warm: 0,
            seen: Vec::new(),
        };
        let who = self.people;
        let frames = pose_each(
            video,
            &clip,
            &mut self.estimator,
            &self.device,
            |n, people| {
                part.saw(n, who.seen(&people));
                progress(n + 1, expected);
            },
        )?;
        let name = video
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let stem = video
            .file_stem()
            .map_or_else(|| name.clone(), |s| s.to_string_lossy().into_owned());
        let mut ws = Workspace::new(&stem);
        let opened = OpenedClip {
            name,
            bytes,
            hash: hash.clone(),
            rate: clip.rate,
            frames,
            width: clip.size.width,
            height: clip.size.height,
        };
        let id = ws.attach(&opened).map_err(AnalyseError::Refused)?;
        let url = video.to_string_lossy().into_owned();
        let mut job = Job::new(id, url, clip.rate, frames, who, None);
        let decoded = Reply::Decoded {
            frames,
            decode_ms: 0.0,
            pose_ms: 0.0,
        };
        job.join(vec![part], &[frames], &[Ok(decoded)]);
        let people = job.people_frames();
        if people.is_empty() {
            return Err(AnalyseError::NoPerson);
        }
        let (model, labels, scored) = self.score(&people)?;
        let analysed = job.analysed(
            &model,
            &labels,
            scored,
            clip.size.width as f32,
            clip.size.height as f32,
        );
        ws.take_analyses(analysed).map_err(AnalyseError::Refused)?;
        Ok(Analysis {
            project: ws.project,
            stats: Stats {
                frames,
                people: people.len(),
                clip_seconds: clip.rate.start_of(frames),
                seconds: started.elapsed().as_secs_f64(),
            },
            content_sha256: hash,
            model_version: self.model_version.clone(),
            labels,
        })
    }

    /// The recognizer's name, label set and answer for each person, as the page's scoring
    /// step has them.
    fn score(
        &self,
        people: &[microact_protocol::PersonFrames],
    ) -> Result<(String, LabelSet, Scored), EngineError> {
        let device = &self.device;
        match &self.scorer {
            Scorer::Shipped(recognizer) => {
                let mut scores = Vec::with_capacity(people.len());
                for person in people {
                    if let Some(s) = read_sync(analysis::score(recognizer, person, device))? {
                        scores.push(s);
                    }
                }
                let labels = recognizer.spec.label_set();
                Ok((recognizer.name.clone(), labels, scored(scores)))
            }
            Scorer::Taught {
                model,
                base,
                labels,
            } => {
                let proposals = read_sync(teach::propose_people(model, base, people, device))?;
                Ok((TAUGHT.to_string(), labels.clone(), scored_taught(proposals)))
            }
        }
    }
}

/// The bytes read at a time while hashing.
const HASH_CHUNK: usize = 1 << 20;

/// A file's sha256 (hex, the page's clip hash) and its size.
pub(crate) fn sha256_of(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; HASH_CHUNK];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    Ok((hex(&hasher.finalize()), bytes))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
