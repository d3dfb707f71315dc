//! Gestures recorded from live poses, as plain Rust: one recording's frames until it has lasted
//! long enough, and the examples recorded so far as what the engine teaches.

use microact_core::model::LabelRef;
use microact_protocol::Example;

use super::GESTURES;

/// How long one recorded example lasts, ms.
pub const RECORD_MS: f64 = 2000.0;
/// Fewer frames with a person than this make no example.
const MIN_FRAMES: usize = 8;

/// One person's keypoints on each frame (`None`: nobody on it).
pub type PoseFrames = Vec<Option<Vec<[f32; 3]>>>;

/// One gesture being recorded: its name, the frames so far, when it ends (`performance.now`).
#[derive(Clone, Debug, PartialEq)]
pub struct Recording {
    pub name: String,
    frames: PoseFrames,
    until_ms: Option<f64>,
}

/// A recorded example of a gesture.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    pub name: String,
    pub frames: PoseFrames,
}

impl Recording {
    pub fn new(name: String) -> Recording {
        Recording {
            name,
            frames: Vec::new(),
            until_ms: None,
        }
    }

    /// Takes the first person's keypoints of a live frame at `at_ms`; the recording ends
    /// [`RECORD_MS`] after its first frame: then the example, or why there is none.
    pub fn take(
        &mut self,
        at_ms: f64,
        keypoints: Option<Vec<[f32; 3]>>,
    ) -> Option<Result<Recorded, String>> {
        let until = *self.until_ms.get_or_insert(at_ms + RECORD_MS);
        self.frames.push(keypoints);
        if at_ms < until {
            return None;
        }
        if self.frames.iter().flatten().count() < MIN_FRAMES {
            return Some(Err(format!(
                "Too few poses for {}: turn on Show skeletons with the camera running (or a clip playing), then record again.",
                self.name
            )));
        }
        Some(Ok(Recorded {
            name: self.name.clone(),
            frames: std::mem::take(&mut self.frames),
        }))
    }
}

/// The examples as the engine is taught them: the gestures' labels in order of first
/// recording, and each example with its label's index.
pub fn lesson(recorded: &[Recorded]) -> (Vec<LabelRef>, Vec<Example>) {
    let mut names: Vec<&str> = Vec::new();
    let examples = recorded
        .iter()
        .map(|r| {
            let label = names.iter().position(|n| *n == r.name).unwrap_or_else(|| {
                names.push(&r.name);
                names.len() - 1
            });
            Example {
                label: label as u32,
                frames: r.frames.clone(),
            }
        })
        .collect();
    let labels = names.iter().map(|n| LabelRef::new(GESTURES, *n)).collect();
    (labels, examples)
}

/// How many examples of each gesture: `clap: 2 · wave: 3`.
pub fn counts(recorded: &[Recorded]) -> String {
    let mut seen = std::collections::BTreeMap::new();
    for r in recorded {
        *seen.entry(r.name.as_str()).or_insert(0) += 1;
    }
    seen.into_iter()
        .map(|(n, k)| format!("{n}: {k}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, frames: usize, with_person: usize) -> Option<Result<Recorded, String>> {
        let mut r = Recording::new(name.into());
        let mut last = None;
        for f in 0..frames {
            let keypoints = (f < with_person).then(|| vec![[0.0, 0.0, 0.9]; 17]);
            last = r.take(f as f64 * 100.0, keypoints);
            if last.is_some() {
                break;
            }
        }
        last
    }

    #[test]
    fn a_recording_lasts_two_seconds_and_needs_enough_poses() {
        assert_eq!(record("wave", 20, 20), None, "1.9 s is not over");
        let wave = record("wave", 21, 21).unwrap().unwrap();
        assert_eq!(wave.frames.len(), 21);
        let why = record("clap", 21, 7).unwrap().unwrap_err();
        assert!(why.starts_with("Too few poses for clap"), "{why}");
    }

    #[test]
    fn examples_are_labelled_in_order_of_first_recording() {
        let ex = |name: &str| Recorded {
            name: name.into(),
            frames: vec![None],
        };
        let recorded = [ex("wave"), ex("clap"), ex("wave")];
        let (labels, examples) = lesson(&recorded);
        let names: Vec<&str> = labels.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(names, vec!["wave", "clap"]);
        let at: Vec<u32> = examples.iter().map(|e| e.label).collect();
        assert_eq!(at, vec![0, 1, 0]);
        assert_eq!(counts(&recorded), "clap: 1 · wave: 2");
    }
}
