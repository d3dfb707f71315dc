//! The one language of the page (the UI module) and the engine worker (the models).
//!
//! Each message is an [`Envelope`] of a [`Request`] (page → engine) or a [`Reply`]
//! (engine → page), a serde value carried by `postMessage` (serde-wasm-bindgen on both sides).
//! A request that reads a frame has the frame beside the envelope, a transferred `ImageBitmap`
//! (moved, never copied). Replies name the request they answer; an engine's first message is
//! [`Reply::Started`], and one that crashes is started again by the page.

use microact_core::geometry::Size;
use microact_core::labels::LabelSet;
use microact_core::model::{Confidence, LabelRef, Segment};
use microact_core::taught::TaughtModel;
use microact_core::time::FrameRate;
use serde::{Deserialize, Serialize};

#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    /// Synthesised by wasm-ld: runs every constructor.
    fn __wasm_call_ctors();
}

/// Runs every constructor of the wasm module, once: the first thing both modules' entry
/// points do. Without this explicit call, a module with any wasm-ld takes for a "command" and
/// wraps every export so that it reruns them: with Burn's (cubecl's `inventory` registrations)
/// in the page, each JsValue clone or drop cost ~2 ms and a zoom step of a 10 000-segment
/// timeline 750 ms.
///
/// # Safety
/// Call it once, first, before anything reads what the constructors register.
#[cfg(target_arch = "wasm32")]
pub unsafe fn run_constructors() {
    // SAFETY: the caller calls it once, first.
    unsafe { __wasm_call_ctors() };
}

/// Where the engine runs its models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Backend {
    WebGpu,
    Cpu,
}

impl Backend {
    /// What the page calls it.
    pub fn label(self) -> &'static str {
        match self {
            Backend::WebGpu => "WebGPU",
            Backend::Cpu => "CPU",
        }
    }

    /// A stable identifier (for attributes and tests).
    pub fn id(self) -> &'static str {
        match self {
            Backend::WebGpu => "webgpu",
            Backend::Cpu => "cpu",
        }
    }

    pub fn other(self) -> Self {
        match self {
            Backend::WebGpu => Backend::Cpu,
            Backend::Cpu => Backend::WebGpu,
        }
    }
}

/// A message and the request it belongs to (the page numbers its requests; the engine's
/// [`Reply::Started`] has id 0).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub id: u64,
    pub body: T,
}

/// MultiPose's input size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MultiPoseSide {
    /// 256 × 256, as the graph was exported.
    #[default]
    Exported,
    /// This longer side in pixels, the other as the frame's aspect needs (multiples of 32).
    Longer(u32),
    /// From the clip's size and the smallest person seen in the last frames.
    Auto,
}

/// How MultiPose looks at a frame: its input size, and whether small people are looked at again
/// in crops around them (zoom to people).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultiPose {
    pub side: MultiPoseSide,
    pub zoom: bool,
}

/// What the page asks of the engine.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// The people on the frame sent beside this request, found by pose `model` (a name from
    /// `models/manifest.json`) on `backend`. A session keeps what it learnt from earlier frames
    /// (the tracking crop, smoothing, tracker ids) until it is reset or its model changes.
    Pose {
        session: u32,
        model: String,
        backend: Backend,
        /// The frame is one of a sequence (a playing clip or the camera): SinglePose follows
        /// the person with its crop.
        live: bool,
        /// When the frame is shown, ms (smoothing reads the time between frames).
        timestamp_ms: f64,
        /// What follows the first person's live poses and says what they are doing; `None`:
        /// no live actions.
        actions: Option<LiveModel>,
        /// How MultiPose looks at the frame.
        multi: MultiPose,
    },
    /// Clip analysis's pose pass without seeking: the clip's file (a `Blob` beside the request)
    /// demuxed and decoded in the engine (WebCodecs), each frame from `from` to `frames`
    /// through session `session`'s `model`, its people answered as [`Reply::Analysed`] while it
    /// runs. Frame numbers are the timeline's, at `rate`. Ends with [`Reply::Decoded`], or with
    /// [`Reply::Undecodable`] when the clip cannot be decoded here (the page seeks instead).
    Analyse {
        session: u32,
        model: String,
        backend: Backend,
        rate: FrameRate,
        frames: u64,
        from: u64,
        /// As [`Request::Pose`]'s.
        multi: MultiPose,
    },
    /// Stops a running [`Request::Analyse`] after the frame in hand (read at once, not queued).
    Cancel,
    /// The session forgets earlier frames (a new clip, the camera started).
    Reset { session: u32 },
    /// The compute self-test on `backend` (a small computation checked against its known
    /// result). The page asks it first whenever the engine starts, and after a switch.
    SelfTest { backend: Backend },
    /// The frame sent beside this request (already letterboxed to a model's input) as the tensor
    /// every model reads, summarised.
    Tensor { backend: Backend },
    /// The pose benchmark (`?bench=pose`): each pose model on a real frame, `runs` timed runs
    /// after warm-up on each backend (the CPU alone when `cpu_only`).
    BenchPose { runs: u32, cpu_only: bool },
    /// Clip analysis's last stage: `recognizer` over each person's poses, frame by frame, into
    /// per-frame confidence and proposed segments.
    Score {
        recognizer: String,
        backend: Backend,
        people: Vec<PersonFrames>,
    },
    /// Teach a model (version `version`) from `examples` of `labels`: each example's windows
    /// embedded by the shipped recognizer `base`, one prototype a label, checked leaving each
    /// example out. Progress comes as [`Reply::Teaching`]; [`Request::Cancel`] stops it.
    Teach {
        base: String,
        backend: Backend,
        version: u32,
        labels: Vec<LabelRef>,
        examples: Vec<Example>,
        /// Also fine-tune a linear head over the embedding (Burn's autodiff in the engine).
        fine_tune: bool,
    },
    /// A taught model over each person's poses: proposals in its labels (unknown windows
    /// propose nothing).
    ProposeTaught {
        model: TaughtModel,
        backend: Backend,
        people: Vec<PersonFrames>,
    },
}

/// What recognises live actions: a shipped recognizer (a manifest name) or a taught model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LiveModel {
    Shipped(String),
    Taught(Box<TaughtModel>),
}

/// One labelled segment's poses, for teaching: its label (an index into the request's labels)
/// and its frames' COCO-17 keypoints (`None` where the person is not seen).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Example {
    pub label: u32,
    pub frames: Vec<Option<Vec<[f32; 3]>>>,
}

/// A taught model's proposals for one person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonProposals {
    pub id: u32,
    /// Open proposals (the taught model and its version as their source), ids from 0.
    pub proposals: Vec<Segment>,
}

/// One person's poses over a clip, from frame 0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonFrames {
    pub id: u32,
    /// COCO-17 keypoints `[x, y, score]` in frame pixels; `None` where they are not seen.
    pub frames: Vec<Option<Vec<[f32; 3]>>>,
}

/// What the recognizer made of one person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonScores {
    pub id: u32,
    pub confidence: Confidence,
    /// Proposed segments (open, the recognizer as their source), ids from 0.
    pub proposals: Vec<Segment>,
}

/// What the engine answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    /// The engine's module is loaded and it reads requests.
    Started,
    /// A model is being fetched, checked and prepared for the request.
    Loading { model: String },
    /// The people on the frame, how long the engine took, the network inputs it looked at (the
    /// whole frame, then any zoomed crops) and the live actions when asked (`None`: nothing new
    /// since the last frame).
    Pose {
        people: Vec<Person>,
        ms: f64,
        inputs: Vec<Size>,
        actions: Option<Actions>,
    },
    /// Done (a request with nothing to return).
    Done,
    /// Clip analysis's scores: the recognizer, its classes as a label set, each person (those on
    /// no frame are left out), and the recognizer's time.
    Scores {
        model: String,
        labels: LabelSet,
        people: Vec<PersonScores>,
        ms: f64,
    },
    /// One analysed frame's people (before the analysis's last reply).
    Analysed { frame: u64, people: Vec<Person> },
    /// The analysis's pose pass ended (every frame, or a cancel): frames analysed, and the time
    /// spent waiting for the decoder and running pose, ms.
    Decoded {
        frames: u64,
        decode_ms: f64,
        pose_ms: f64,
    },
    /// The clip cannot be decoded in the engine (its container or codec); frames answered
    /// before stay good.
    Undecodable { reason: String },
    /// The self-test's outcome.
    SelfTest(SelfTest),
    /// A frame's tensor, summarised.
    Tensor(TensorStats),
    /// The pose benchmark's medians and, on the CPU, where a frame's time goes.
    Bench {
        rows: Vec<BenchRow>,
        profiles: Vec<BenchProfile>,
    },
    /// Teaching: windows embedded so far of all.
    Teaching { done: u32, total: u32 },
    /// The taught model.
    Taught { model: TaughtModel },
    /// A taught model's proposals for each person seen, and its time.
    TaughtProposals {
        people: Vec<PersonProposals>,
        ms: f64,
    },
    /// The request failed; the words are for the page to show.
    Failed { message: String },
}

/// How the compute self-test went.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SelfTest {
    Passed {
        max_abs_error: f64,
        ms: f64,
    },
    /// The backend computed a wrong result (the words say how wrong).
    Wrong {
        message: String,
    },
    /// The backend gave no device (WebGPU missing or failing); the page runs on the CPU instead.
    Unavailable {
        message: String,
    },
}

/// A frame tensor's summary: enough to tell a real picture from a black, blank or garbled one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TensorStats {
    /// `[batch, height, width, channels]`.
    pub shape: [usize; 4],
    /// Mean of each channel (R, G, B).
    pub mean: [f32; 3],
    /// Standard deviation over all values.
    pub std: f32,
    pub min: f32,
    pub max: f32,
    /// The engine's time, ms.
    pub ms: f64,
}

/// One backend × model measurement of the pose benchmark.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchRow {
    pub backend: String,
    pub model: String,
    pub median_ms: f64,
    pub runs: u32,
}

/// Where one model's frame goes on a CPU path: mean ms per kind of operation, and the whole
/// frame (the rest is input scaling, readback and decoding).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BenchProfile {
    pub path: String,
    pub model: String,
    pub kinds: Vec<(String, f64)>,
    pub frame_ms: f64,
}

/// What the live recognizer says after a frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Actions {
    /// Not a live frame (a paused clip): the window starts again.
    Idle,
    /// The first window is being filled: `have` frames of `need`.
    Filling {
        have: u32,
        need: u32,
    },
    /// A window was classified: the most probable classes first, the unknown score
    /// (1 − the top probability) and the recognizer's time.
    Guess {
        top: Vec<(String, f32)>,
        unknown: f32,
        recognizer_ms: f64,
    },
    Failed {
        message: String,
    },
}

/// One person on a frame.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Person {
    /// Stable across frames of a session (MultiPose's tracker); 1 for SinglePose.
    pub id: u32,
    pub score: f32,
    /// COCO-17 keypoints `[x, y, score]` in the frame's pixels.
    pub keypoints: Vec<[f32; 3]>,
    /// What the network gave, `[y, x, score]` normalised to its input (as TF.js reports them).
    pub input_keypoints: Vec<[f32; 3]>,
    /// MultiPose's box `[x, y, width, height]` in the frame's pixels.
    pub bbox: Option<[f64; 4]>,
}

/// COCO keypoint pairs joined in a skeleton drawing (TF.js pose-detection's
/// `COCO_CONNECTED_KEYPOINTS_PAIRS`).
pub const SKELETON: [(usize, usize); 16] = [
    (0, 1),
    (0, 2),
    (1, 3),
    (2, 4),
    (5, 6),
    (5, 7),
    (5, 11),
    (6, 8),
    (6, 12),
    (7, 9),
    (8, 10),
    (11, 12),
    (11, 13),
    (12, 14),
    (13, 15),
    (14, 16),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_and_a_reply_survive_their_encoding() {
        let request = Envelope {
            id: 7,
            body: Request::Pose {
                session: 1,
                model: "movenet-lightning".into(),
                backend: Backend::Cpu,
                live: true,
                timestamp_ms: 33.5,
                actions: Some(LiveModel::Shipped("penn-ddnet".into())),
                multi: MultiPose {
                    side: MultiPoseSide::Auto,
                    zoom: true,
                },
            },
        };
        let text = serde_json::to_string(&request).unwrap();
        assert_eq!(
            serde_json::from_str::<Envelope<Request>>(&text).unwrap(),
            request
        );
        let reply = Envelope {
            id: 7,
            body: Reply::Pose {
                people: vec![Person {
                    id: 2,
                    score: 0.5,
                    keypoints: vec![[1.0, 2.0, 0.9]; 17],
                    input_keypoints: vec![[0.1, 0.2, 0.9]; 17],
                    bbox: Some([1.0, 2.0, 3.0, 4.0]),
                }],
                ms: 12.0,
                inputs: vec![Size::new(768, 576), Size::new(256, 256)],
                actions: Some(Actions::Guess {
                    top: vec![("walk".into(), 0.75)],
                    unknown: 0.25,
                    recognizer_ms: 3.0,
                }),
            },
        };
        let text = serde_json::to_string(&reply).unwrap();
        assert_eq!(
            serde_json::from_str::<Envelope<Reply>>(&text).unwrap(),
            reply
        );
    }
}
