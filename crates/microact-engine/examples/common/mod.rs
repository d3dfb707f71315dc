//! What the examples share: a clip's frames decoded by ffmpeg as I420, each read as the engine
//! reads a `VideoFrame` (only the planes' crop, sampled bilinear to the network's input), and a
//! pose estimator run on them as the page's analysis runs it.

use std::io::Read;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};

use microact_core::time::FrameRate;
use microact_engine::{EngineError, pose, yuv};
use microact_models::burn::tensor::{Device, read_sync};
use microact_models::frame::Size;
use microact_models::pose::estimator::Estimator;
use microact_protocol::Person;

/// A clip's size and frame rate (ffprobe).
pub fn probe(clip: &Path) -> Result<(Size, FrameRate), String> {
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries"])
        .args(["stream=width,height,r_frame_rate", "-of", "csv=p=0"])
        .arg(clip)
        .output()
        .map_err(|e| format!("ffprobe: {e}"))?;
    let text = String::from_utf8_lossy(&probe.stdout).trim().to_string();
    let fields: Vec<&str> = text.split(',').collect();
    let [w, h, r] = fields[..] else {
        return Err(format!("ffprobe said {text:?}"));
    };
    let size = Size::new(
        w.parse().map_err(|_| text.clone())?,
        h.parse().map_err(|_| text.clone())?,
    );
    let (num, den) = r.split_once('/').ok_or(text.clone())?;
    let rate = FrameRate::new(
        num.parse().map_err(|_| r.to_string())?,
        den.parse().map_err(|_| r.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    Ok((size, rate))
}

/// A clip's frames in order, as I420 bytes (ffmpeg).
pub struct Frames {
    ffmpeg: Child,
    out: ChildStdout,
    pub size: Size,
    buffer: Vec<u8>,
}

impl Frames {
    pub fn open(clip: &Path, size: Size) -> Result<Frames, String> {
        let mut ffmpeg = Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(clip)
            .args(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-"])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("ffmpeg: {e}"))?;
        let out = ffmpeg.stdout.take().ok_or("ffmpeg gave no output")?;
        let (w, h) = (size.width as usize, size.height as usize);
        Ok(Frames {
            ffmpeg,
            out,
            size,
            buffer: vec![0u8; w * h * 3 / 2],
        })
    }

    /// The next frame's planes, or `None` at the end.
    pub fn next_planes(&mut self) -> Option<yuv::Planes<'_>> {
        self.out.read_exact(&mut self.buffer).ok()?;
        Some(planes(&self.buffer, self.size))
    }
}

/// A whole I420 frame of `size` in `data` as planes.
fn planes(data: &[u8], size: Size) -> yuv::Planes<'_> {
    let (w, h) = (size.width as usize, size.height as usize);
    yuv::Planes {
        layout: yuv::Layout::I420,
        data,
        offsets: [0, w * h, w * h + w * h / 4],
        strides: [w, w / 2, w / 2],
        x: 0,
        y: 0,
        width: size.width,
        height: size.height,
    }
}

/// Every frame of `clip` (`size`, `rate`) in order through `estimator` as clip analysis runs it
/// (a sequence: live, each frame at its time); `each` gets each frame's number and people.
/// Returns how many frames there were.
pub fn pose_each(
    clip: &Path,
    size: Size,
    rate: FrameRate,
    estimator: &mut Estimator,
    device: &Device,
    mut each: impl FnMut(u64, Vec<Person>) -> Result<(), String>,
) -> Result<u64, String> {
    let mut reader = Frames::open(clip, size)?;
    let mut number = 0u64;
    while let Some(planes) = reader.next_planes() {
        let (people, _) = estimate(
            estimator,
            device,
            &planes,
            size,
            true,
            rate.start_of(number) * 1000.0,
        )
        .map_err(|e| e.to_string())?;
        each(number, people)?;
        number += 1;
    }
    Ok(number)
}

impl Drop for Frames {
    fn drop(&mut self) {
        let _ = self.ffmpeg.kill();
        let _ = self.ffmpeg.wait();
    }
}

/// The people on a frame's `planes` of `size` by `estimator` at `timestamp_ms`, read as the
/// engine reads a decoded frame (BT.601, limited range: ffmpeg's yuv420p here); and the network
/// inputs it looked at.
pub fn estimate(
    estimator: &mut Estimator,
    device: &Device,
    planes: &yuv::Planes,
    size: Size,
    live: bool,
    timestamp_ms: f64,
) -> Result<(Vec<Person>, Vec<Size>), EngineError> {
    let colour = yuv::Colour {
        bt709: false,
        full_range: false,
    };
    read_sync(pose::estimate(
        estimator,
        device,
        size,
        live,
        timestamp_ms,
        |p| async move {
            Ok(yuv::crop_to_rgba(
                planes,
                colour,
                p.source,
                p.dest,
                p.size.width,
                p.size.height,
            ))
        },
    ))
}
