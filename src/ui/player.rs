//! The video panel: open a clip (picker or drop) or start the camera, the video with the pose
//! overlay and whatever is laid over it (the person boxes), what is open, and the transport.

use leptos::ev;
use leptos::prelude::*;

use crate::browser::{files, video};
use crate::readout;
use crate::ui::notices::Notices;
use crate::ui::viewer::{Source, Viewer};

/// The video panel; `children` are laid over the video in its pixels (the person boxes).
#[component]
pub fn Player(children: Children) -> impl IntoView {
    let viewer = expect_context::<Viewer>();
    // The camera goes off when the page goes away, not only on Stop.
    let pagehide = window_event_listener(ev::pagehide, move |_| viewer.stop_camera());
    on_cleanup(move || {
        pagehide.remove();
        viewer.stop_camera();
        viewer.release_url();
    });
    view! {
        <section class="player" aria-label="Video">
            <Sources/>
            <Stage>{children()}</Stage>
            <SourceInfo/>
            <Transport/>
        </section>
    }
}

/// Opens the first of `picked` (one clip plays at a time).
fn open_first(viewer: Viewer, notices: Notices, picked: Vec<files::PickedFile>) {
    let count = picked.len();
    if let Some(file) = picked.into_iter().next() {
        if count > 1 {
            notices.info(format!("Opened {}; one clip plays at a time.", file.name));
        }
        viewer.open(file);
    }
}

/// Open a clip, start or stop the camera.
#[component]
fn Sources() -> impl IntoView {
    let viewer = expect_context::<Viewer>();
    let notices = expect_context::<Notices>();
    let camera_on = move || viewer.source.get() == Source::Camera;
    view! {
        <div class="sources">
            <label class="button">
                "Open video…"
                <input type="file" accept="video/*" data-testid="open-file" class="visually-hidden"
                    on:change=move |e| open_first(viewer, notices, files::from_input(&e)) />
            </label>
            <Show when=camera_on fallback=move || view! {
                <button data-testid="camera-start" on:click=move |_| viewer.start_camera()>"Start camera"</button>
            }>
                <button data-testid="camera-stop" on:click=move |_| viewer.stop_camera()>"Stop camera"</button>
            </Show>
            <span data-testid="camera-tracks" data-live=move || viewer.camera_tracks.get()>
                {move || match viewer.camera_tracks.get() { 0 => String::new(), n => format!("camera: {n} live track(s)") }}
            </span>
        </div>
    }
}

/// The video with the pose overlay and `children` over it; a clip dropped here opens.
#[component]
fn Stage(children: Children) -> impl IntoView {
    let viewer = expect_context::<Viewer>();
    let notices = expect_context::<Notices>();
    view! {
        <div class="stage" data-testid="drop-zone"
            on:dragover=move |e: ev::DragEvent| e.prevent_default()
            on:drop=move |e: ev::DragEvent| { e.prevent_default(); open_first(viewer, notices, files::from_drop(&e)); }>
            <div class="screen">
            <video node_ref=viewer.video data-testid="video" playsinline=true preload="auto"
                on:loadedmetadata=move |_| viewer.on_metadata()
                on:error=move |_| viewer.on_error()
                on:play=move |_| viewer.playing.set(true)
                on:pause=move |_| viewer.playing.set(false)
                on:ended=move |_| viewer.finish_measuring()
                on:seeked=move |_| {
                    if let Some(el) = viewer.video.get_untracked() { viewer.media_time.set(video::current_time(&el)) }
                }
            ></video>
            <canvas node_ref=viewer.overlay class="overlay" data-testid="pose-overlay" width="0" height="0"></canvas>
            {children()}
            </div>
            <p class="drop-hint">"Drop a video here"</p>
        </div>
    }
}

/// What is open: the clip's name, size, length and bytes, or the camera.
#[component]
fn SourceInfo() -> impl IntoView {
    let viewer = expect_context::<Viewer>();
    let text = move || match viewer.source.get() {
        Source::Empty => match viewer.opening.get() {
            Some((name, _)) => format!("opening {name}…"),
            None => "no clip open — choose or drop a video file, or start the camera".into(),
        },
        Source::Clip(info) => format!(
            "{} · {}×{} · {} · {}",
            info.name,
            info.width,
            info.height,
            readout::clock(info.duration),
            readout::bytes(info.bytes)
        ),
        Source::Camera => "camera".into(),
    };
    view! {
        <div class="source-info" data-testid="source"
            data-kind=move || match viewer.source.get() { Source::Empty => "none", Source::Clip(_) => "clip", Source::Camera => "camera" }>
            {text}
        </div>
    }
}

/// Step, play/pause, the time, the frame and the measured rate.
#[component]
fn Transport() -> impl IntoView {
    let viewer = expect_context::<Viewer>();
    let has_clip = move || matches!(viewer.source.get(), Source::Clip(_));
    let frame_text = move || match (viewer.frame(), viewer.frame_count()) {
        (Some(n), Some(count)) => format!("frame {n} / {count}"),
        (Some(n), None) => format!("frame {n}"),
        _ => "frame –".into(),
    };
    let rate_text = move || {
        if viewer.probing.get() {
            "measuring frame rate…".to_string()
        } else {
            viewer
                .rate
                .get()
                .map(|r| r.to_string())
                .unwrap_or_else(|| "– fps".into())
        }
    };
    view! {
        <div class="transport">
            <button data-testid="step-back" title="Previous frame (←)" disabled=move || !has_clip() || viewer.rate.get().is_none()
                on:click=move |_| viewer.step(-1)>"◀︎ 1"</button>
            <button data-testid="play" title="Play / pause (space)" disabled=move || !has_clip() || viewer.probing.get()
                on:click=move |_| viewer.toggle_play()>
                {move || if viewer.playing.get() && !viewer.probing.get() { "Pause" } else { "Play" }}
            </button>
            <button data-testid="step-forward" title="Next frame (→)" disabled=move || !has_clip() || viewer.rate.get().is_none()
                on:click=move |_| viewer.step(1)>"1 ▶︎"</button>
            <span class="readout" data-testid="time">{move || readout::clock(viewer.frame_start())}</span>
            <span class="readout" data-testid="frame" data-frame=move || viewer.frame().map(|n| n.to_string()).unwrap_or_default()>
                {frame_text}
            </span>
            <span class="readout" data-testid="fps"
                data-fps=move || viewer.rate.get().map(|r| format!("{}/{}", r.num(), r.den())).unwrap_or_default()>
                {rate_text}
            </span>
        </div>
    }
}
