//! What can go wrong answering a request, in the words the page shows, and the one place those
//! words become the protocol's replies ([`Reply`], [`Actions`], [`SelfTest`]).

use microact_models::action::recognizer::RecognizerError;
use microact_models::manifest::ManifestError;
use microact_models::pose::PoseError;
use microact_models::selftest::{self, SelfTestError};
use microact_models::weights::WeightsError;
use microact_protocol::{Actions, Reply, SelfTest};

use crate::compute::ComputeError;
use crate::demux::DemuxError;

/// What can go wrong answering a request; its words are what the page shows.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Compute(#[from] ComputeError),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("the model list is unreadable: {0}")]
    Manifest(#[from] ManifestError),
    #[error("{model} is not a pose model")]
    NotPose { model: String },
    #[error("{model} in the manifest is not a recognizer")]
    NotRecognizer { model: String },
    #[error("the recognizer failed: {0}")]
    Recognizer(#[from] RecognizerError),
    #[error("the recognizer failed: it is not loaded")]
    RecognizerNotLoaded,
    #[error("the recognizer failed: no embedding came back")]
    NoEmbedding,
    #[error(transparent)]
    Weights(#[from] WeightsError),
    #[error(transparent)]
    Pose(#[from] PoseError),
    #[error(transparent)]
    Teach(#[from] TeachError),
    #[error("no frame to read: {0}")]
    Frame(#[from] FrameError),
    #[error(transparent)]
    Tensor(#[from] microact_models::frame::FrameError),
    /// The clip cannot be decoded here: not a failure, the page seeks through it instead.
    #[error(transparent)]
    Undecodable(#[from] ClipError),
}

/// Why a file the engine needs could not be had.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// `why` in the browser's words.
    #[error("{url} could not be fetched: {why}")]
    Network { url: String, why: String },
    #[error("{url} could not be fetched: the browser gave no response")]
    NoResponse { url: String },
    #[error("{url} could not be fetched: the server answered {status} {status_text}")]
    Status {
        url: String,
        status: u16,
        status_text: String,
    },
    #[error("{url} is not UTF-8 text")]
    NotText { url: String },
    #[error("{name} was not fetched")]
    NotFetched { name: String },
}

/// Why a frame could not be read into a network's input.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("no frame came with the request")]
    NoFrame,
    #[error("no clip came with the request")]
    NoClip,
    #[error("the session is gone")]
    SessionGone,
    #[error("{0}")]
    Input(#[from] microact_models::frame::FrameError),
    /// The browser's words on making the canvas frames are drawn on.
    #[error("{0}")]
    Canvas(String),
    #[error("the worker has no 2D canvas context")]
    NoContext,
    #[error("drawing the frame failed: {0}")]
    Draw(String),
    #[error("reading the canvas failed: {0}")]
    ReadCanvas(String),
}

/// Why teaching could not make a model, or a taught model cannot be used here.
#[derive(Debug, thiserror::Error)]
pub enum TeachError {
    #[error("teaching failed: none of the labelled segments has poses long enough to learn from")]
    NoWindows,
    #[error("teaching failed: nothing to learn from")]
    NothingToLearn,
    #[error("teaching failed: {0}")]
    FineTune(RecognizerError),
    #[error(
        "teaching failed: taught model v{version} was taught over other weights of {recognizer} than this page has"
    )]
    OtherBase { version: u32, recognizer: String },
}

/// Why the engine cannot decode a clip itself (the page seeks through it instead).
#[derive(Debug, thiserror::Error)]
pub enum ClipError {
    /// The browser's words on reading the clip's file.
    #[error("the clip could not be read: {0}")]
    Read(String),
    #[error(transparent)]
    Demux(#[from] DemuxError),
    #[error("this browser has no WebCodecs decoder ({0})")]
    NoWebCodecs(String),
    #[error("this browser cannot decode {0}")]
    Codec(String),
    /// WebCodecs' words on a failed decode.
    #[error("{0}")]
    Decoder(String),
    #[error("after {done} frames: {source}")]
    After { done: u64, source: Box<ClipError> },
}

/// Why the self-test did not pass.
#[derive(Debug, thiserror::Error)]
pub enum SelfTestFailure {
    /// No device of the backend.
    #[error(transparent)]
    Unavailable(#[from] ComputeError),
    #[error(transparent)]
    Failed(#[from] SelfTestError),
    #[error(
        "wrong result: largest error {max_abs_error:.2e} (allowed {:.0e}), sum {total:.4} (should be 16)",
        selftest::TOLERANCE
    )]
    Wrong { max_abs_error: f64, total: f64 },
}

impl From<EngineError> for Reply {
    fn from(e: EngineError) -> Reply {
        match e {
            EngineError::Undecodable(reason) => Reply::Undecodable {
                reason: reason.to_string(),
            },
            e => Reply::Failed {
                message: e.to_string(),
            },
        }
    }
}

impl From<EngineError> for Actions {
    fn from(e: EngineError) -> Actions {
        Actions::Failed {
            message: e.to_string(),
        }
    }
}

impl From<SelfTestFailure> for SelfTest {
    fn from(e: SelfTestFailure) -> SelfTest {
        let message = e.to_string();
        match e {
            SelfTestFailure::Unavailable(_) => SelfTest::Unavailable { message },
            _ => SelfTest::Wrong { message },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clip_the_engine_cannot_decode_is_undecodable_not_failed() {
        let e = EngineError::from(ClipError::After {
            done: 3,
            source: Box::new(ClipError::Codec("hev1.1.6.L93.B0".into())),
        });
        assert_eq!(
            Reply::from(e),
            Reply::Undecodable {
                reason: "after 3 frames: this browser cannot decode hev1.1.6.L93.B0".into()
            }
        );
        let e = EngineError::from(ClipError::Demux(DemuxError::Container));
        assert_eq!(
            Reply::from(e),
            Reply::Undecodable {
                reason: "the file is neither MP4 nor WebM/Matroska".into()
            }
        );
    }

    #[test]
    fn other_errors_fail_in_the_words_the_page_shows() {
        let e = EngineError::from(FrameError::NoFrame);
        assert_eq!(
            Reply::from(e),
            Reply::Failed {
                message: "no frame to read: no frame came with the request".into()
            }
        );
        let e = EngineError::from(FetchError::Status {
            url: "models/x.bpk".into(),
            status: 404,
            status_text: "Not Found".into(),
        });
        assert_eq!(
            Actions::from(e),
            Actions::Failed {
                message: "models/x.bpk could not be fetched: the server answered 404 Not Found"
                    .into()
            }
        );
    }

    #[test]
    fn a_wrong_self_test_says_by_how_much() {
        let wrong = SelfTest::from(SelfTestFailure::Wrong {
            max_abs_error: 0.5,
            total: 15.0,
        });
        assert_eq!(
            wrong,
            SelfTest::Wrong {
                message:
                    "wrong result: largest error 5.00e-1 (allowed 1e-4), sum 15.0000 (should be 16)"
                        .into()
            }
        );
    }
}
