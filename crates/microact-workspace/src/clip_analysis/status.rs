//! Where clip analysis stands and what the page says of it: its phase, its progress (frames/s and
//! time left) and the summary of a finished run.

use crate::readout::seconds_left;

use super::job::{Decoder, People};

/// Where an analysis stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Idle,
    Loading,
    /// Pose on each frame.
    Running,
    /// Cancelled: frames so far are kept for a resume.
    Paused,
    /// The recognizer over the whole track.
    Scoring,
    Done(Summary),
    Failed(String),
}

/// What a finished analysis did.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub model: String,
    /// The tracks the proposals went into.
    pub tracks: Vec<String>,
    pub added: usize,
    pub left_out: usize,
    pub frames: u64,
    pub with_person: usize,
    pub frames_per_s: f64,
    pub recognizer_ms: f64,
    pub backend: &'static str,
    pub decoder: Decoder,
}

/// Frames analysed of the clip, and how fast this run goes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
    pub frames_per_s: f64,
}

impl Progress {
    /// Frame `done` of `total` reached, `analysed` of them by this run in `elapsed_ms`.
    pub fn at(done: u64, total: u64, analysed: u64, elapsed_ms: f64) -> Progress {
        Progress {
            done,
            total,
            frames_per_s: analysed as f64 / (elapsed_ms / 1000.0).max(1e-3),
        }
    }
}

impl Phase {
    /// The phase as the page's `data-state` says it.
    pub fn state(&self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Loading => "loading",
            Phase::Running => "running",
            Phase::Paused => "paused",
            Phase::Scoring => "scoring",
            Phase::Done(_) => "done",
            Phase::Failed(_) => "failed",
        }
    }

    /// The finished run's summary, if the run finished.
    pub fn summary(&self) -> Option<&Summary> {
        match self {
            Phase::Done(s) => Some(s),
            _ => None,
        }
    }

    /// The status line under the progress bar.
    pub fn text(&self, p: Progress, people: People) -> String {
        match self {
            Phase::Idle => match people {
                People::One => "Finds the person's pose in every frame, then proposes segments.",
                People::Everyone => {
                    "Finds everyone's pose in every frame (up to 6 people), then proposes segments for each."
                }
            }
            .to_string(),
            Phase::Loading => "loading the models…".into(),
            Phase::Running => {
                let left = p.total.saturating_sub(p.done) as f64 / p.frames_per_s.max(1e-3);
                format!(
                    "frame {} of {} · {:.1} frames/s · {} left",
                    p.done,
                    p.total,
                    p.frames_per_s,
                    seconds_left(left)
                )
            }
            Phase::Paused => format!("cancelled at frame {} of {}", p.done, p.total),
            Phase::Scoring => format!("recognising actions over {} frames…", p.total),
            Phase::Done(s) => s.text(),
            Phase::Failed(why) => why.clone(),
        }
    }
}

impl Summary {
    fn text(&self) -> String {
        let s = self;
        format!(
            "{} proposal{} from {} in {}{} · {} frames ({} with a person) at {:.1} frames/s, {} · recognizer {:.0} ms on {}",
            s.added,
            if s.added == 1 { "" } else { "s" },
            s.model,
            s.tracks.join(", "),
            if s.left_out > 0 {
                format!(" ({} overlapping segments left out)", s.left_out)
            } else {
                String::new()
            },
            s.frames,
            s.with_person,
            s.frames_per_s,
            s.decoder.text(),
            s.recognizer_ms,
            s.backend
        )
    }

    /// `engine` or `seeking`, as the page's `data-decoder` says it.
    pub fn decoder_id(&self) -> &'static str {
        match self.decoder {
            Decoder::Engine { .. } => "engine",
            Decoder::Seeking => "seeking",
        }
    }
}

impl Decoder {
    fn text(&self) -> String {
        match *self {
            Decoder::Engine { workers, share } => format!(
                "decoded in {} ({:.0} % of the time waiting for the decoder)",
                if workers == 1 {
                    "the engine".to_string()
                } else {
                    format!("{workers} engine workers")
                },
                share * 100.0
            ),
            Decoder::Seeking => "read by seeking".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_says_how_far_it_is_and_a_finished_one_what_it_did() {
        let p = Progress::at(30, 90, 20, 2000.0);
        assert_eq!(p.frames_per_s, 10.0);
        assert_eq!(
            Phase::Running.text(p, People::One),
            "frame 30 of 90 · 10.0 frames/s · 0:06 left"
        );
        assert_eq!(
            Phase::Paused.text(p, People::One),
            "cancelled at frame 30 of 90"
        );
        let summary = Summary {
            model: "penn-ddnet".into(),
            tracks: vec!["Person 1".into(), "Person 2".into()],
            added: 1,
            left_out: 2,
            frames: 60,
            with_person: 58,
            frames_per_s: 12.5,
            recognizer_ms: 40.0,
            backend: "CPU",
            decoder: Decoder::Engine {
                workers: 2,
                share: 0.25,
            },
        };
        assert_eq!(summary.decoder_id(), "engine");
        let done = Phase::Done(summary);
        assert_eq!(done.state(), "done");
        assert_eq!(
            done.text(p, People::One),
            "1 proposal from penn-ddnet in Person 1, Person 2 (2 overlapping segments left out) · 60 frames (58 with a person) at 12.5 frames/s, decoded in 2 engine workers (25 % of the time waiting for the decoder) · recognizer 40 ms on CPU"
        );
    }
}
