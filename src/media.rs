//! What the page knows about an opened clip or camera, and what it tells a person when one
//! cannot be used. Pure: the browser layer supplies the facts.

use std::fmt;

use microact_core::time::FrameRate;

/// A clip a person opened: metadata only, the bytes stay in their file.
#[derive(Clone, Debug, PartialEq)]
pub struct ClipInfo {
    pub name: String,
    pub bytes: u64,
    pub duration: f64,
    pub width: u32,
    pub height: u32,
}

/// Why a clip or the camera cannot be used. Each message names the file and says what to do.
#[derive(Clone, Debug, PartialEq)]
pub enum MediaProblem {
    EmptyFile {
        name: String,
    },
    NotAVideo {
        name: String,
        mime: String,
    },
    /// The media element's `MediaError.code`.
    Undecodable {
        name: String,
        code: u16,
    },
    NoVideoTrack {
        name: String,
    },
    ZeroLength {
        name: String,
    },
    NoFrameRate {
        name: String,
    },
    /// A DOMException's name and message from `getUserMedia`.
    Camera {
        name: String,
        detail: String,
    },
    CameraUnsupported,
}

impl ClipInfo {
    /// Whether the metadata describes something with frames to show.
    pub fn check(&self) -> Result<(), MediaProblem> {
        let name = self.name.clone();
        if self.width == 0 || self.height == 0 {
            return Err(MediaProblem::NoVideoTrack { name });
        }
        if !self.duration.is_finite() || self.duration <= 0.0 {
            return Err(MediaProblem::ZeroLength { name });
        }
        Ok(())
    }
}

impl MediaProblem {
    /// Problems knowable before decoding: an empty file, or one whose type is plainly not media.
    pub fn before_opening(name: &str, bytes: u64, mime: &str) -> Option<Self> {
        if bytes == 0 {
            return Some(Self::EmptyFile { name: name.into() });
        }
        // An empty type says nothing (browsers leave it empty for .mkv and friends): let the
        // decoder judge. A known non-media type is a mistake worth naming at once.
        let is_media = mime.is_empty()
            || mime.starts_with("video/")
            || mime.starts_with("audio/")
            || mime == "application/octet-stream";
        (!is_media).then(|| Self::NotAVideo {
            name: name.into(),
            mime: mime.into(),
        })
    }
}

impl fmt::Display for MediaProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyFile { name } => {
                write!(f, "{name} is empty (0 bytes): there is nothing to play.")
            }
            Self::NotAVideo { name, mime } => {
                write!(f, "{name} is not a video file (its type is {mime}).")
            }
            Self::Undecodable { name, code } => match code {
                1 => write!(f, "Opening {name} was aborted."),
                2 => write!(
                    f,
                    "Reading {name} failed part-way: was the file moved or changed?"
                ),
                3 => write!(
                    f,
                    "{name} could not be decoded: the file is damaged, or its codec is one this browser cannot play."
                ),
                4 => write!(
                    f,
                    "{name} cannot be played: its format or codec is not supported by this browser, or the file is damaged. Converting it to MP4 (H.264) or WebM (VP9) helps."
                ),
                _ => write!(f, "{name} could not be opened (media error {code})."),
            },
            Self::NoVideoTrack { name } => {
                write!(f, "{name} has no video track: there are no frames to show.")
            }
            Self::ZeroLength { name } => write!(f, "{name} has zero length: it holds no frames."),
            Self::NoFrameRate { name } => write!(
                f,
                "The frame rate of {name} could not be measured: frame stepping is off for it."
            ),
            Self::Camera { name, detail } => match name.as_str() {
                "NotAllowedError" | "SecurityError" => write!(
                    f,
                    "Camera access was denied. Allow the camera for this page in the browser's site settings, then press Start camera again."
                ),
                "NotFoundError" | "OverconstrainedError" => write!(
                    f,
                    "No camera was found. Connect one, or open a video file instead."
                ),
                "NotReadableError" | "AbortError" => write!(
                    f,
                    "The camera could not be started: another application may be using it."
                ),
                _ => write!(f, "The camera could not be started ({name}: {detail})."),
            },
            Self::CameraUnsupported => write!(
                f,
                "This browser gives the page no camera access (it needs https or localhost)."
            ),
        }
    }
}

/// The frame `delta` frames from `current`, kept inside a clip of `frame_count` frames.
pub fn step_frame(current: u64, delta: i64, frame_count: u64) -> u64 {
    let last = frame_count.saturating_sub(1);
    current.saturating_add_signed(delta).min(last)
}

/// The frame count of a clip at `rate`, for the transport's "frame n / N".
pub fn frame_count(info: &ClipInfo, rate: FrameRate) -> u64 {
    rate.frame_count(info.duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(duration: f64, width: u32) -> ClipInfo {
        ClipInfo {
            name: "walk.webm".into(),
            bytes: 10,
            duration,
            width,
            height: 360,
        }
    }

    #[test]
    fn clip_checks_name_the_file() {
        assert!(clip(2.0, 640).check().is_ok());
        let zero = clip(0.0, 640).check().unwrap_err();
        assert_eq!(
            zero.to_string(),
            "walk.webm has zero length: it holds no frames."
        );
        assert!(matches!(
            clip(f64::INFINITY, 640).check(),
            Err(MediaProblem::ZeroLength { .. })
        ));
        assert!(matches!(
            clip(2.0, 0).check(),
            Err(MediaProblem::NoVideoTrack { .. })
        ));
    }

    #[test]
    fn problems_before_opening() {
        assert_eq!(
            MediaProblem::before_opening("a.mp4", 0, "video/mp4"),
            Some(MediaProblem::EmptyFile {
                name: "a.mp4".into()
            })
        );
        assert!(MediaProblem::before_opening("a.mkv", 5, "").is_none());
        assert!(MediaProblem::before_opening("a.webm", 5, "video/webm").is_none());
        let text = MediaProblem::before_opening("notes.txt", 5, "text/plain").unwrap();
        assert!(text.to_string().contains("notes.txt is not a video"));
    }

    #[test]
    fn every_media_error_code_names_the_file() {
        for code in 0..6 {
            let message = MediaProblem::Undecodable {
                name: "x.avi".into(),
                code,
            }
            .to_string();
            assert!(message.contains("x.avi"), "{message}");
        }
    }

    #[test]
    fn camera_denial_says_how_to_allow() {
        let denied = MediaProblem::Camera {
            name: "NotAllowedError".into(),
            detail: "Permission denied".into(),
        };
        assert!(denied.to_string().starts_with("Camera access was denied"));
        let other = MediaProblem::Camera {
            name: "TypeError".into(),
            detail: "bad".into(),
        };
        assert!(other.to_string().contains("TypeError: bad"));
    }

    #[test]
    fn stepping_stays_inside_the_clip() {
        assert_eq!(step_frame(0, -1, 60), 0);
        assert_eq!(step_frame(5, 1, 60), 6);
        assert_eq!(step_frame(59, 1, 60), 59);
        assert_eq!(step_frame(10, -3, 60), 7);
        assert_eq!(step_frame(0, 1, 0), 0);
    }
}
