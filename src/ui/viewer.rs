//! What the video shows, as shared state: a clip opened from disk or the webcam, its frame rate
//! measured from the frames' own timestamps, the frame on screen, play/pause, seeking and
//! frame-accurate stepping. The `Player` component renders it.

use leptos::html::{Canvas, Video};
use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_core::time::FrameRate;
use std::time::Duration;

use crate::browser::{camera, files, video};
use crate::media::{self, ClipInfo, MediaProblem};
use crate::ui::notices::Notices;

/// Frames to watch while measuring a clip's frame rate; fewer do when they span
/// [`PROBE_SPAN`] of the clip (a clip of few frames a second).
const PROBE_FRAMES: usize = 20;
const PROBE_FEWEST: usize = 8;
const PROBE_SPAN: f64 = 1.0;
/// The probe plays slowly: the rate is read off the frames' own timestamps, and a slow playback
/// leaves a busy page (a model loading on this thread) time to see each frame.
const PROBE_SPEED: f64 = 0.5;
/// Times the clip is played through when a pass ends with too few frames to measure.
const PROBE_PASSES: u32 = 3;
/// How long the probe waits for the next frame before it settles for what it has. It is re-armed
/// by every frame, so a slow machine only makes the probe longer.
const PROBE_STALL: Duration = Duration::from_secs(8);

/// Whether the presentation times seen are enough to measure the rate from.
fn enough_frames(times: &[f64]) -> bool {
    let span = times.iter().copied().fold(f64::NAN, f64::max)
        - times.iter().copied().fold(f64::NAN, f64::min);
    times.len() >= PROBE_FRAMES || (times.len() >= PROBE_FEWEST && span >= PROBE_SPAN)
}

#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    Empty,
    Clip(ClipInfo),
    Camera,
}

/// What the video shows, shared through context (the frame probe and, later, models read it).
#[derive(Clone, Copy)]
pub struct Viewer {
    pub video: NodeRef<Video>,
    /// Drawn over the video, in its pixels (the pose skeletons).
    pub overlay: NodeRef<Canvas>,
    pub source: RwSignal<Source>,
    /// Presentation time of the frame on screen, seconds.
    pub media_time: RwSignal<f64>,
    pub rate: RwSignal<Option<FrameRate>>,
    pub playing: RwSignal<bool>,
    /// Whether the frame rate is being measured (the clip plays muted for a moment).
    pub probing: RwSignal<bool>,
    /// The file being opened: name and size, until its metadata or its error arrives.
    pub opening: RwSignal<Option<(String, u64)>>,
    probe_times: StoredValue<Vec<f64>>,
    /// Passes through the clip the probe has begun, and the speed to restore after it.
    probe_pass: StoredValue<u32>,
    probe_restore_speed: StoredValue<f64>,
    object_url: StoredValue<Option<String>>,
    /// The file on screen (to hash it).
    pub file: StoredValue<Option<files::PickedFile>, LocalStorage>,
    frames: StoredValue<Option<video::FrameWatch>, LocalStorage>,
    camera: StoredValue<Option<camera::Camera>, LocalStorage>,
    pub camera_tracks: RwSignal<usize>,
    /// Where problems with the clip or camera are reported, from event handlers and from frame
    /// callbacks and timers alike (no reactive owner there to look context up from).
    notices: Notices,
}

impl Viewer {
    pub fn new(notices: Notices) -> Self {
        Self {
            video: NodeRef::new(),
            overlay: NodeRef::new(),
            source: RwSignal::new(Source::Empty),
            media_time: RwSignal::new(0.0),
            rate: RwSignal::new(None),
            playing: RwSignal::new(false),
            probing: RwSignal::new(false),
            opening: RwSignal::new(None),
            probe_times: StoredValue::new(Vec::new()),
            probe_pass: StoredValue::new(0),
            probe_restore_speed: StoredValue::new(1.0),
            object_url: StoredValue::new(None),
            file: StoredValue::new_local(None),
            frames: StoredValue::new_local(None),
            camera: StoredValue::new_local(None),
            camera_tracks: RwSignal::new(0),
            notices,
        }
    }

    /// The frame on screen, when the frame rate is known.
    pub fn frame(&self) -> Option<u64> {
        Some(self.rate.get()?.frame_at(self.media_time.get()))
    }

    /// Whether the frame rate is being measured (the clip then plays muted by itself).
    pub fn measuring(&self) -> bool {
        self.probing.get()
    }

    /// Where the frame on screen starts (its exact time once the rate is known), seconds.
    pub fn frame_start(&self) -> f64 {
        match (self.rate.get(), self.frame()) {
            (Some(rate), Some(frame)) => rate.start_of(frame),
            _ => self.media_time.get(),
        }
    }

    pub fn frame_count(&self) -> Option<u64> {
        match (self.source.get(), self.rate.get()) {
            (Source::Clip(info), Some(rate)) => Some(media::frame_count(&info, rate)),
            _ => None,
        }
    }

    pub fn open(&self, file: files::PickedFile) {
        let notices = self.notices;
        if let Some(problem) = MediaProblem::before_opening(&file.name, file.bytes, &file.mime) {
            notices.error(problem.to_string());
            return;
        }
        let Some(el) = self.video.get_untracked() else {
            return;
        };
        let url = match file.object_url() {
            Ok(url) => url,
            Err(e) => {
                notices.error(format!("{} could not be read: {e}", file.name));
                return;
            }
        };
        self.stop_camera();
        self.release_url();
        self.object_url.set_value(Some(url.clone()));
        self.source.set(Source::Empty);
        self.rate.set(None);
        self.media_time.set(0.0);
        self.opening.set(Some((file.name.clone(), file.bytes)));
        self.file.set_value(Some(file));
        video::show_url(&el, &url);
    }

    /// The object URL of the clip on screen (another element may play it too).
    pub fn clip_url(&self) -> Option<String> {
        match self.source.get_untracked() {
            Source::Clip(_) => self.object_url.get_value(),
            _ => None,
        }
    }

    pub fn release_url(&self) {
        if let Some(url) = self.object_url.try_update_value(Option::take).flatten() {
            files::revoke_url(&url);
        }
    }

    pub fn on_metadata(&self) {
        let notices = self.notices;
        let Some(el) = self.video.get_untracked() else {
            return;
        };
        let Some((name, bytes)) = self.opening.get_untracked() else {
            return;
        };
        self.opening.set(None);
        let (duration, width, height) = video::metadata(&el);
        let info = ClipInfo {
            name,
            bytes,
            duration,
            width,
            height,
        };
        if let Err(problem) = info.check() {
            notices.error(problem.to_string());
            self.close_clip();
            return;
        }
        self.source.set(Source::Clip(info));
        self.watch_frames();
        self.measure_rate();
    }

    pub fn on_error(&self) {
        let notices = self.notices;
        let Some(el) = self.video.get_untracked() else {
            return;
        };
        // Errors after a clip is closed or while the camera runs are not about a file.
        let name = match (self.opening.get_untracked(), self.source.get_untracked()) {
            (Some((name, _)), _) => name,
            (None, Source::Clip(info)) => info.name,
            _ => return,
        };
        let code = video::error_code(&el);
        notices.error(MediaProblem::Undecodable { name, code }.to_string());
        self.close_clip();
    }

    fn close_clip(&self) {
        self.opening.set(None);
        self.probing.set(false);
        self.source.set(Source::Empty);
        self.rate.set(None);
        self.release_url();
        if let Some(el) = self.video.get_untracked() {
            video::clear(&el);
        }
    }

    /// Follows presented frames: the frame readout and the rate measurement both feed on them.
    fn watch_frames(&self) {
        if self.frames.with_value(Option::is_some) {
            return;
        }
        let Some(el) = self.video.get_untracked() else {
            return;
        };
        let this = *self;
        let watch = video::FrameWatch::start(&el, move |t| {
            this.media_time.set(t);
            if this.probing.get_untracked() {
                this.probe_times.update_value(|times| times.push(t));
                if this.probe_times.with_value(|t| enough_frames(t)) {
                    this.finish_measuring();
                }
            }
        });
        self.frames.set_value(watch);
    }

    /// Plays the clip muted and slowly for a few frames and reads the rate off their presentation
    /// times. It ends on enough frames, or when a pass ends or stalls; a pass with too few frames
    /// is followed by another, whose frames join the first's.
    fn measure_rate(&self) {
        let notices = self.notices;
        let Some(el) = self.video.get_untracked() else {
            return;
        };
        if !video::has_frame_callbacks(&el) {
            if let Source::Clip(info) = self.source.get_untracked() {
                notices.error(MediaProblem::NoFrameRate { name: info.name }.to_string());
            }
            return;
        }
        self.probe_times.set_value(Vec::new());
        self.probe_pass.set_value(0);
        self.probe_restore_speed.set_value(video::speed(&el));
        self.probing.set(true);
        video::set_probing(&el, true, PROBE_SPEED);
        self.probe_pass();
    }

    /// Plays the clip from its start once more while the rate is measured.
    fn probe_pass(&self) {
        let notices = self.notices;
        let Some(el) = self.video.get_untracked() else {
            return;
        };
        self.probe_pass.update_value(|n| *n += 1);
        video::set_time(&el, 0.0);
        let this = *self;
        spawn_local(async move {
            if let Err(e) = video::play(&el).await {
                if this.probing.get_untracked() {
                    notices.error(format!("The clip would not play: {e}"));
                    this.end_measuring();
                }
            }
        });
        self.watch_probe(
            self.probe_times.with_value(Vec::len),
            self.probe_pass.get_value(),
        );
    }

    /// Ends the pass `pass` if no frame arrives within [`PROBE_STALL`] of having `seen` of them.
    fn watch_probe(&self, seen: usize, pass: u32) {
        let this = *self;
        set_timeout(
            move || {
                if !this.probing.get_untracked() || this.probe_pass.get_value() != pass {
                    return;
                }
                match this.probe_times.with_value(Vec::len) {
                    now if now == seen => this.finish_measuring(),
                    now => this.watch_probe(now, pass),
                }
            },
            PROBE_STALL,
        );
    }

    /// A pass is over (enough frames, the clip's end, or a stall): measure, or play once more.
    pub fn finish_measuring(&self) {
        if !self.probing.get_untracked() {
            return;
        }
        let enough = self.probe_times.with_value(|t| enough_frames(t));
        if !enough && self.measured().is_none() && self.probe_pass.get_value() < PROBE_PASSES {
            self.probe_pass();
            return;
        }
        self.end_measuring();
    }

    /// The rate from the frames seen so far, over every pass.
    fn measured(&self) -> Option<FrameRate> {
        self.probe_times.with_value(|times| {
            let mut times = times.clone();
            times.sort_by(f64::total_cmp);
            times.dedup();
            FrameRate::estimate(&times)
        })
    }

    fn end_measuring(&self) {
        if !self.probing.get_untracked() {
            return;
        }
        self.probing.set(false);
        let Some(el) = self.video.get_untracked() else {
            return;
        };
        video::pause(&el);
        video::set_probing(&el, false, self.probe_restore_speed.get_value());
        let rate = self.measured();
        self.rate.set(rate);
        match (rate, self.source.get_untracked()) {
            (Some(rate), _) => video::set_time(&el, rate.seek_time(0)),
            (None, Source::Clip(info)) => {
                self.notices
                    .error(MediaProblem::NoFrameRate { name: info.name }.to_string());
                video::set_time(&el, 0.0);
            }
            (None, _) => {}
        }
    }

    pub fn toggle_play(&self) {
        let notices = self.notices;
        let Some(el) = self.video.get_untracked() else {
            return;
        };
        if self.probing.get_untracked() || matches!(self.source.get_untracked(), Source::Empty) {
            return;
        }
        if video::paused(&el) {
            spawn_local(async move {
                if let Err(e) = video::play(&el).await {
                    notices.error(format!("Playback failed: {e}"));
                }
            });
        } else {
            video::pause(&el);
        }
    }

    /// Pauses and shows frame `frame` (clamped to the clip).
    pub fn seek(&self, frame: u64) {
        let (Some(el), Some(rate), Some(count)) = (
            self.video.get_untracked(),
            self.rate.get_untracked(),
            self.frame_count(),
        ) else {
            return;
        };
        if self.probing.get_untracked() {
            return;
        }
        let target = frame.min(count.saturating_sub(1));
        video::pause(&el);
        video::set_time(&el, rate.seek_time(target));
    }

    /// Jumps without pausing (a looped segment going round).
    pub fn jump(&self, frame: u64) {
        if let (Some(el), Some(rate)) = (self.video.get_untracked(), self.rate.get_untracked()) {
            video::set_time(&el, rate.seek_time(frame));
        }
    }

    pub fn pause(&self) {
        if let Some(el) = self.video.get_untracked() {
            video::pause(&el);
        }
    }

    /// Playback speed (1.0 is normal).
    pub fn set_speed(&self, speed: f64) {
        if let Some(el) = self.video.get_untracked() {
            video::set_speed(&el, speed);
        }
    }

    pub fn step(&self, delta: i64) {
        if let (Some(rate), Some(count)) = (self.rate.get_untracked(), self.frame_count()) {
            let now = rate.frame_at(self.media_time.get_untracked());
            self.seek(media::step_frame(now, delta, count));
        }
    }

    pub fn start_camera(&self) {
        let notices = self.notices;
        let this = *self;
        spawn_local(async move {
            let cam = match camera::open().await {
                Ok(cam) => cam,
                Err(problem) => {
                    notices.error(problem.to_string());
                    return;
                }
            };
            let Some(el) = this.video.get_untracked() else {
                cam.stop();
                return;
            };
            this.stop_camera();
            this.close_clip();
            cam.attach(&el);
            this.camera_tracks.set(cam.live_tracks());
            this.camera.set_value(Some(cam));
            this.source.set(Source::Camera);
            this.watch_frames();
            if let Err(e) = video::play(&el).await {
                notices.error(format!("The camera picture would not play: {e}"));
            }
        });
    }

    pub fn stop_camera(&self) {
        let Some(cam) = self.camera.try_update_value(Option::take).flatten() else {
            return;
        };
        cam.stop();
        self.camera_tracks.set(cam.live_tracks());
        if self.source.get_untracked() == Source::Camera {
            self.source.set(Source::Empty);
            if let Some(el) = self.video.get_untracked() {
                video::clear(&el);
            }
        }
    }
}
