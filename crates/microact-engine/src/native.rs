//! A clip's frames outside the browser (native only): ffprobe says its size, rate and colour,
//! ffmpeg decodes it into a pipe of raw I420 frames, and each frame is read as the engine reads a
//! `VideoFrame` (only the crop's planes, sampled bilinear to the network's input) and posed as
//! clip analysis poses it. The examples and the `microact` command-line tool share this copy.
//!
//! A raw pipe rather than a crate such as `ffmpeg-sidecar`: the two commands and one fixed frame
//! size are all there is to drive, and reading the planes straight from the pipe's buffer is the
//! engine's own `yuv` path; a wrapper adds a dependency (and its progress parsing and download
//! features) for an argument list. Frame numbers are exact at the clip's rate: ffmpeg is asked
//! for constant-rate output at ffprobe's `r_frame_rate`, so the pipe's frame `n` is the frame
//! shown at `n / rate` (what the page's `rate.frame_at(timestamp)` numbers it).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::thread::JoinHandle;

use microact_core::time::FrameRate;
use microact_models::burn::tensor::{Device, read_sync};
use microact_models::frame::Size;
use microact_models::pose::estimator::Estimator;
use microact_protocol::Person;

use crate::{EngineError, pose, yuv};

/// The most of ffmpeg's complaints kept for an error (its last words).
const STDERR_KEPT: usize = 2000;

/// Why a clip's frames could not be had.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("{tool} could not be started (is ffmpeg installed?): {source}")]
    Spawn {
        tool: &'static str,
        source: std::io::Error,
    },
    #[error("{} is not a video ffprobe can read: {said}", path.display())]
    Probe { path: PathBuf, said: String },
    #[error("ffmpeg stopped decoding {} after {frames} frames: {said}", path.display())]
    Decode {
        path: PathBuf,
        frames: u64,
        said: String,
    },
    #[error("{} has no frames", path.display())]
    Empty { path: PathBuf },
    #[error("reading ffmpeg's frames: {0}")]
    Read(#[from] std::io::Error),
    #[error(transparent)]
    Pose(#[from] EngineError),
}

/// What ffprobe says of a clip's first video stream.
#[derive(Clone, Debug)]
pub struct Probe {
    pub size: Size,
    pub rate: FrameRate,
    pub colour: yuv::Colour,
    /// About how many frames it has (its duration at `rate`, else the container's count);
    /// decoding says exactly.
    pub frames: Option<u64>,
    /// The stream's pixel format, kept by ffmpeg's output when it is already I420.
    full_range_format: bool,
}

/// A clip's size, rate and colour (ffprobe).
pub fn probe(clip: &Path) -> Result<Probe, DecodeError> {
    let fields =
        "stream=width,height,r_frame_rate,pix_fmt,color_space,color_range,nb_frames,duration";
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            fields,
        ])
        .args(["-of", "default=noprint_wrappers=1"])
        .arg(clip)
        .output()
        .map_err(|source| DecodeError::Spawn {
            tool: "ffprobe",
            source,
        })?;
    let bad = |said: String| DecodeError::Probe {
        path: clip.to_path_buf(),
        said,
    };
    if !out.status.success() {
        return Err(bad(last_words(&out.stderr)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(str::trim)
    };
    let number = |key: &str| field(key).and_then(|v| v.parse::<u32>().ok());
    let (Some(width), Some(height)) = (number("width"), number("height")) else {
        return Err(bad("no video stream".into()));
    };
    let rate = field("r_frame_rate")
        .and_then(|r| r.split_once('/'))
        .and_then(|(n, d)| FrameRate::new(n.parse().ok()?, d.parse().ok()?).ok())
        .ok_or_else(|| bad(format!("no frame rate ({:?})", field("r_frame_rate"))))?;
    let pix_fmt = field("pix_fmt").unwrap_or("");
    let full_range = field("color_range") == Some("pc") || pix_fmt.starts_with("yuvj");
    let frames = field("duration")
        .and_then(|d| d.parse::<f64>().ok())
        .map(|d| (d * rate.fps()).round() as u64)
        .or_else(|| field("nb_frames").and_then(|n| n.parse().ok()));
    Ok(Probe {
        size: Size::new(width, height),
        rate,
        colour: yuv::Colour::from_tags(field("color_space"), full_range, height),
        frames,
        full_range_format: pix_fmt == "yuvj420p",
    })
}

/// A clip's frames in order, as I420 bytes (ffmpeg), one every `1 / rate`.
pub struct Frames {
    ffmpeg: Child,
    out: ChildStdout,
    stderr: Option<JoinHandle<Vec<u8>>>,
    path: PathBuf,
    pub size: Size,
    read: u64,
    buffer: Vec<u8>,
}

impl Frames {
    pub fn open(clip: &Path, probe: &Probe) -> Result<Frames, DecodeError> {
        let rate = format!("{}/{}", probe.rate.num(), probe.rate.den());
        // The probed size is the one read: rotation metadata is left to the annotator.
        let pix_fmt = if probe.full_range_format {
            "yuvj420p"
        } else {
            "yuv420p"
        };
        let mut ffmpeg = Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-noautorotate", "-i"])
            .arg(clip)
            .args(["-map", "0:v:0", "-an", "-fps_mode", "cfr", "-r", &rate])
            .args(["-f", "rawvideo", "-pix_fmt", pix_fmt, "-"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| DecodeError::Spawn {
                tool: "ffmpeg",
                source,
            })?;
        let out = ffmpeg.stdout.take().ok_or_else(|| no_pipe("output"))?;
        let mut err = ffmpeg.stderr.take().ok_or_else(|| no_pipe("error"))?;
        // Drained aside: a full error pipe would stall ffmpeg, and with it the frames.
        let stderr = std::thread::spawn(move || {
            let mut said = Vec::new();
            let _ = err.read_to_end(&mut said);
            said
        });
        let size = probe.size;
        let (w, h) = (size.width as usize, size.height as usize);
        Ok(Frames {
            ffmpeg,
            out,
            stderr: Some(stderr),
            path: clip.to_path_buf(),
            size,
            read: 0,
            buffer: vec![0u8; w * h + 2 * w.div_ceil(2) * h.div_ceil(2)],
        })
    }

    /// The next frame's planes; `None` at the end, an error where ffmpeg failed.
    pub fn next_planes(&mut self) -> Result<Option<yuv::Planes<'_>>, DecodeError> {
        match self.out.read_exact(&mut self.buffer) {
            Ok(()) => {
                self.read += 1;
                Ok(Some(planes(&self.buffer, self.size)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                self.finish()?;
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// ffmpeg's exit at the end of its output: an error when it failed or gave nothing.
    fn finish(&mut self) -> Result<(), DecodeError> {
        let status = self.ffmpeg.wait()?;
        let said = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        if !status.success() {
            return Err(DecodeError::Decode {
                path: self.path.clone(),
                frames: self.read,
                said: last_words(&said),
            });
        }
        if self.read == 0 {
            return Err(DecodeError::Empty {
                path: self.path.clone(),
            });
        }
        Ok(())
    }
}

impl Drop for Frames {
    fn drop(&mut self) {
        let _ = self.ffmpeg.kill();
        let _ = self.ffmpeg.wait();
    }
}

fn no_pipe(which: &str) -> DecodeError {
    DecodeError::Read(std::io::Error::other(format!(
        "ffmpeg gave no {which} pipe"
    )))
}

/// The end of what a tool wrote to its error stream, on one line.
fn last_words(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim().replace('\n', "; ");
    let start = text
        .char_indices()
        .rev()
        .nth(STDERR_KEPT)
        .map_or(0, |(i, _)| i);
    if text.is_empty() {
        "no reason given".into()
    } else {
        text[start..].to_string()
    }
}

/// A whole I420 frame of `size` in `data` as planes (chroma rounded up for odd sizes).
fn planes(data: &[u8], size: Size) -> yuv::Planes<'_> {
    let (w, h) = (size.width as usize, size.height as usize);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    yuv::Planes {
        layout: yuv::Layout::I420,
        data,
        offsets: [0, w * h, w * h + cw * ch],
        strides: [w, cw, cw],
        x: 0,
        y: 0,
        width: size.width,
        height: size.height,
    }
}

/// Every frame of `clip` in order through `estimator` as clip analysis runs it (a sequence:
/// live, each frame at its time); `each` gets each frame's number and people. Returns how many
/// frames there were.
pub fn pose_each(
    clip: &Path,
    probe: &Probe,
    estimator: &mut Estimator,
    device: &Device,
    mut each: impl FnMut(u64, Vec<Person>),
) -> Result<u64, DecodeError> {
    let mut reader = Frames::open(clip, probe)?;
    let mut number = 0u64;
    while let Some(planes) = reader.next_planes()? {
        let time_ms = probe.rate.start_of(number) * 1000.0;
        let (people, _) = estimate(estimator, device, &planes, probe, true, time_ms)?;
        each(number, people);
        number += 1;
    }
    Ok(number)
}

/// The people on a frame's `planes` of the `probe`d clip by `estimator` at `timestamp_ms`, read
/// as the engine reads a decoded frame; and the network inputs it looked at.
pub fn estimate(
    estimator: &mut Estimator,
    device: &Device,
    planes: &yuv::Planes,
    probe: &Probe,
    live: bool,
    timestamp_ms: f64,
) -> Result<(Vec<Person>, Vec<Size>), EngineError> {
    read_sync(pose::estimate(
        estimator,
        device,
        probe.size,
        live,
        timestamp_ms,
        |p| async move {
            Ok(yuv::crop_to_rgba(
                planes,
                probe.colour,
                p.source,
                p.dest,
                p.size.width,
                p.size.height,
            ))
        },
    ))
}
