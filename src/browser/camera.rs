//! The webcam through `getUserMedia`.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DomException, HtmlVideoElement, MediaStream, MediaStreamConstraints, MediaStreamTrack,
};

use crate::media::MediaProblem;

/// A running camera: its stream, until [`Camera::stop`].
pub struct Camera(MediaStream);

/// Asks for the camera (video only).
pub async fn open() -> Result<Camera, MediaProblem> {
    let devices = web_sys::window()
        .map(|w| w.navigator())
        .and_then(|n| n.media_devices().ok())
        .ok_or(MediaProblem::CameraUnsupported)?;
    let constraints = MediaStreamConstraints::new();
    constraints.set_video(&wasm_bindgen::JsValue::TRUE);
    constraints.set_audio(&wasm_bindgen::JsValue::FALSE);
    let promise = devices
        .get_user_media_with_constraints(&constraints)
        .map_err(camera_problem)?;
    let stream = JsFuture::from(promise).await.map_err(camera_problem)?;
    stream
        .dyn_into::<MediaStream>()
        .map(Camera)
        .map_err(|_| MediaProblem::CameraUnsupported)
}

fn camera_problem(value: wasm_bindgen::JsValue) -> MediaProblem {
    match value.dyn_ref::<DomException>() {
        Some(e) => MediaProblem::Camera {
            name: e.name(),
            detail: e.message(),
        },
        None => MediaProblem::Camera {
            name: "Error".into(),
            detail: super::js_error_text(&value),
        },
    }
}

impl Camera {
    /// Stops every track: the camera light goes off.
    pub fn stop(&self) {
        for track in self.tracks() {
            track.stop();
        }
    }

    /// How many of the stream's tracks are still live (for the page and its tests).
    pub fn live_tracks(&self) -> usize {
        self.tracks()
            .filter(|t| t.ready_state() == web_sys::MediaStreamTrackState::Live)
            .count()
    }

    fn tracks(&self) -> impl Iterator<Item = MediaStreamTrack> {
        self.0
            .get_tracks()
            .into_iter()
            .filter_map(|t| t.dyn_into::<MediaStreamTrack>().ok())
    }

    /// Shows the camera in `video`.
    pub fn attach(&self, video: &HtmlVideoElement) {
        video.set_src_object(Some(&self.0));
    }
}
