//! Clip analysis by seeking: for a clip the engine cannot decode, a second, hidden video element
//! is seeked frame by frame (each frame checked to be the one sought) and each frame moved to the
//! engine for its pose.

use leptos::prelude::*;
use microact_core::time::FrameRate;
use microact_protocol::{Reply, Request};

use super::{Analyser, Run, SESSION};
use crate::browser;
use crate::browser::engine::Frame;
use crate::browser::video::EventWaiter;
use crate::workspace::clip_analysis::{Job, Phase};

/// Animation frames to wait at most for the element to hold the frame sought (then the frame it
/// holds is taken, as before).
const STALE_FRAMES: u32 = 5;

impl Analyser {
    /// Frames from the job's next on, by seeking the hidden video element; `Ok(false)` when
    /// cancelled.
    pub(super) async fn seek(self, job: &Job, run: Run) -> Result<bool, String> {
        let Some(el) = self.video.get_untracked() else {
            return Err("the page is not ready yet".into());
        };
        let engine = self.engine.get();
        let waiter = EventWaiter::new(&el)?;
        if el.src() != job.url {
            waiter
                .after(|v| {
                    v.set_muted(true);
                    v.set_src(&job.url);
                })
                .await
                .map_err(|e| format!("the clip could not be decoded: {e}"))?;
        }
        self.phase.set(Phase::Running);
        for frame in job.done()..job.frames {
            if self.cancel.get_value() {
                self.paused();
                return Ok(false);
            }
            let at = job.rate.seek_time(frame);
            waiter
                .after(|v| v.set_current_time(at))
                .await
                .map_err(|e| format!("frame {frame} could not be decoded: {e}"))?;
            let image = self.frame_sought(job.rate, frame).await?;
            let request = Request::Pose {
                session: SESSION,
                model: job.people.pose_model().to_string(),
                backend: run.backend,
                live: true,
                timestamp_ms: job.rate.start_of(frame) * 1000.0,
                actions: None,
                multi: self.multi.input.get_untracked(),
            };
            let reply = engine
                .call(request, Some(image.into()), |_| {})
                .await
                .map_err(|e| format!("frame {frame}: {e}"))?;
            let Reply::Pose { people: found, .. } = reply else {
                return Err(format!("frame {frame}: the engine answered something else"));
            };
            let seen = job.people.seen(&found);
            self.job.update_value(|j| {
                if let Some(j) = j.as_mut() {
                    j.seen.push(seen);
                }
            });
            self.progressed(run, frame + 1, job.frames);
        }
        Ok(true)
    }

    /// The hidden video's picture once it is `frame`'s. `seeked` can come before the element
    /// holds the frame sought (seen: now and then a neighbour's picture): until it does, an
    /// animation frame at a time, [`STALE_FRAMES`] at most.
    async fn frame_sought(self, rate: FrameRate, frame: u64) -> Result<Frame, String> {
        let el = self
            .video
            .get_untracked()
            .ok_or("the page is not ready yet")?;
        let mut waited = 0;
        loop {
            let image = Frame::of_video(&el)
                .await
                .map_err(|e| format!("frame {frame}: {e}"))?;
            let stale = image
                .media_time()
                .is_some_and(|t| rate.frame_at(t) != frame);
            if !stale || waited == STALE_FRAMES {
                return Ok(image);
            }
            image.close();
            browser::next_animation_frame().await?;
            waited += 1;
        }
    }
}
