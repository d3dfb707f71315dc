//! One clip's analysis while it runs, as plain Rust: who is analysed, the frames seen so far
//! (kept across a cancel for a resume), the parts the clip is split into for engine workers and
//! their frames joined back, and what the engines said of their decoding.

use microact_core::labels::LabelSet;
use microact_core::model::{Confidence, Frame, Segment, VideoId};
use microact_core::time::FrameRate;
use microact_protocol::{Person, PersonFrames, PersonProposals, PersonScores, Reply};

use super::{Analysed, Part, Seen, people, person_boxes, person_frames, pose_track, stitch};

/// A person seen on fewer frames than this (and than a tenth of the clip) gets no track.
const MIN_PERSON_FRAMES: usize = 16;
/// Frames a later part starts early: its tracking settles, and they tell who is who across the
/// join.
const WARM_FRAMES: u64 = 8;

/// Who is analysed, and the pose network that finds them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum People {
    /// SinglePose, following one person from frame to frame.
    One,
    /// MultiPose (up to 6) with its tracker: a track per person.
    Everyone,
}

impl People {
    pub fn pose_model(self) -> &'static str {
        match self {
            People::One => "movenet-lightning",
            People::Everyone => "movenet-multipose",
        }
    }

    /// The menu value.
    pub fn id(self) -> &'static str {
        match self {
            People::One => "one",
            People::Everyone => "everyone",
        }
    }

    pub fn from_id(id: &str) -> People {
        if id == People::Everyone.id() {
            People::Everyone
        } else {
            People::One
        }
    }

    /// The people of one frame as analysis keeps them (SinglePose's first person only), boxes
    /// as `[x1, y1, x2, y2]`.
    pub fn seen(self, found: &[Person]) -> Vec<Seen> {
        let most = match self {
            People::One => 1,
            People::Everyone => usize::MAX,
        };
        found
            .iter()
            .take(most)
            .map(|p| Seen {
                id: p.id,
                keypoints: p.keypoints.clone(),
                bbox: p
                    .bbox
                    .map(|[x, y, w, h]| [x, y, x + w, y + h].map(|v| v as f32)),
            })
            .collect()
    }
}

/// A recognizer's answer for each analysed person: their id, per-frame confidence (a taught
/// model gives none) and proposals.
pub type Scored = Vec<(u32, Option<Confidence>, Vec<Segment>)>;

/// A shipped recognizer's scores (the engine's `Reply::Scores`) as [`Scored`].
pub fn scored(people: Vec<PersonScores>) -> Scored {
    people
        .into_iter()
        .map(|s| (s.id, Some(s.confidence), s.proposals))
        .collect()
}

/// A taught model's proposals (the engine's `Reply::TaughtProposals`) as [`Scored`]: no
/// confidence strip.
pub fn scored_taught(people: Vec<PersonProposals>) -> Scored {
    people
        .into_iter()
        .map(|p| (p.id, None, p.proposals))
        .collect()
}

/// The analysis of one clip, kept across a cancel.
#[derive(Clone, Debug)]
pub struct Job {
    pub video: VideoId,
    pub url: String,
    pub rate: FrameRate,
    pub frames: u64,
    pub people: People,
    /// Frame by frame, the people seen.
    pub seen: Vec<Vec<Seen>>,
    /// Why the engine could not decode the clip (then it is read by seeking).
    pub undecodable: Option<String>,
    /// The engine's decoder's time and pose's, ms, over the frames it decoded.
    pub decode_ms: f64,
    pub pose_ms: f64,
    /// Engine workers the last decoding shared the clip across.
    pub workers: usize,
}

/// The clip from frame `first` to `total` in `n` consecutive parts, each but the first starting
/// [`WARM_FRAMES`] early (never before `first`), and where each part's own frames end.
pub fn split(first: u64, total: u64, n: usize) -> (Vec<Part>, Vec<u64>) {
    let n = n.max(1) as u64;
    let remaining = total.saturating_sub(first);
    let starts: Vec<u64> = (0..=n).map(|i| first + remaining * i / n).collect();
    let parts = starts[..starts.len() - 1]
        .iter()
        .enumerate()
        .map(|(i, &own)| {
            let from = if i == 0 {
                own
            } else {
                own.saturating_sub(WARM_FRAMES).max(first)
            };
            Part {
                from,
                warm: own - from,
                seen: Vec::new(),
            }
        })
        .collect();
    (parts, starts[1..].to_vec())
}

impl Part {
    /// Takes the people the engine saw on `frame` (a frame the decoder skipped saw nobody).
    pub fn saw(&mut self, frame: u64, seen: Vec<Seen>) {
        let k = usize::try_from(frame.saturating_sub(self.from)).unwrap_or(usize::MAX);
        while self.seen.len() < k {
            self.seen.push(Vec::new());
        }
        if self.seen.len() == k {
            self.seen.push(seen);
        }
    }
}

impl Job {
    /// A new analysis of the whole clip.
    pub fn new(
        video: VideoId,
        url: String,
        rate: FrameRate,
        frames: u64,
        people: People,
        undecodable: Option<String>,
    ) -> Job {
        Job {
            video,
            url,
            rate,
            frames,
            people,
            seen: Vec::new(),
            undecodable,
            decode_ms: 0.0,
            pose_ms: 0.0,
            workers: 1,
        }
    }

    /// Frames analysed so far.
    pub fn done(&self) -> u64 {
        self.seen.len() as u64
    }

    /// Takes the parts engine workers analysed (`ends[i]`: where part `i`'s own frames end):
    /// up to the first that did not finish (its frames so far included), joined with the
    /// people matched across each join; and what each engine said of its decoding.
    pub fn join(&mut self, parts: Vec<Part>, ends: &[u64], replies: &[Result<Reply, String>]) {
        let complete = |(p, end): (&Part, &u64)| p.from + p.seen.len() as u64 >= *end;
        let kept = parts
            .iter()
            .zip(ends)
            .position(|p| !complete(p))
            .map_or(parts.len(), |i| i + 1);
        let next_id = self
            .seen
            .iter()
            .flatten()
            .map(|s| s.id + 1)
            .max()
            .unwrap_or(1);
        self.seen
            .extend(stitch(parts.into_iter().take(kept).collect(), next_id));
        self.seen
            .truncate(usize::try_from(self.frames).unwrap_or(usize::MAX));
        self.workers = ends.len();
        for reply in replies {
            match reply {
                Ok(Reply::Decoded {
                    decode_ms, pose_ms, ..
                }) => {
                    self.decode_ms += decode_ms;
                    self.pose_ms += pose_ms;
                }
                Ok(Reply::Undecodable { reason }) => self.undecodable = Some(reason.clone()),
                _ => {}
            }
        }
    }

    /// The people worth a track (see [`people`]) with their keypoints frame by frame.
    pub fn people_frames(&self) -> Vec<PersonFrames> {
        let min_frames = MIN_PERSON_FRAMES.min((self.frames as usize / 10).max(1));
        people(&self.seen, min_frames)
            .into_iter()
            .map(|id| PersonFrames {
                id,
                frames: person_frames(&self.seen, id)
                    .into_iter()
                    .map(|s| s.map(|s| s.keypoints.clone()))
                    .collect(),
            })
            .collect()
    }

    /// Each scored person's analysis for the workspace: their pose track with its confidence,
    /// about a box a second (normalised to the `width` × `height` frame) and their proposals.
    pub fn analysed(
        &self,
        model: &str,
        labels: &LabelSet,
        scored: Scored,
        width: f32,
        height: f32,
    ) -> Vec<Analysed> {
        let every = self.rate.fps().round().max(1.0) as Frame;
        scored
            .into_iter()
            .map(|(id, confidence, proposals)| {
                let mut pose = pose_track(self.video, id, &self.seen);
                pose.confidence = confidence;
                Analysed {
                    pose,
                    model: model.to_string(),
                    labels: labels.clone(),
                    proposals,
                    boxes: person_boxes(&self.seen, id, every, width, height),
                }
            })
            .collect()
    }

    /// Frames with anyone on them.
    pub fn with_person(&self) -> usize {
        self.seen.iter().filter(|s| !s.is_empty()).count()
    }

    /// Where the frames came from.
    pub fn decoder(&self) -> Decoder {
        match self.undecodable {
            None => Decoder::Engine {
                workers: self.workers,
                share: self.decode_ms / (self.decode_ms + self.pose_ms).max(1e-9),
            },
            Some(_) => Decoder::Seeking,
        }
    }
}

/// Where analysis read the frames from.
#[derive(Clone, Debug, PartialEq)]
pub enum Decoder {
    /// The engines' own decoders: how many engine workers shared the clip, and the share of a
    /// frame's time spent waiting for a decoder.
    Engine { workers: usize, share: f64 },
    /// Seeking the hidden video element (some frames, or all).
    Seeking,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(id: u32) -> Vec<Seen> {
        vec![Seen {
            id,
            keypoints: vec![[1.0, 1.0, 0.9]; 17],
            bbox: None,
        }]
    }

    #[test]
    fn a_clip_splits_into_parts_that_warm_up_on_the_part_before() {
        let (parts, ends) = split(10, 110, 2);
        assert_eq!(ends, vec![60, 110]);
        let starts: Vec<(u64, u64)> = parts.iter().map(|p| (p.from, p.warm)).collect();
        assert_eq!(starts, vec![(10, 0), (52, 8)]);
        // A warm-up never reaches before the first frame asked for.
        let (parts, _) = split(10, 20, 2);
        assert_eq!((parts[1].from, parts[1].warm), (10, 5));
    }

    #[test]
    fn a_cancelled_part_keeps_its_frames_and_the_parts_after_it_are_dropped() {
        let rate = FrameRate::new(30, 1).unwrap();
        let mut job = Job::new(VideoId(1), "clip".into(), rate, 20, People::One, None);
        let (mut parts, ends) = split(0, 20, 2);
        for f in 0..4 {
            parts[0].saw(f, seen(1));
        }
        // A frame the decoder skipped (5) saw nobody.
        parts[0].saw(6, seen(1));
        for f in 2..20 {
            parts[1].saw(f, seen(1));
        }
        let replies = [Ok(Reply::Undecodable {
            reason: "no codec".into(),
        })];
        job.join(parts, &ends, &replies);
        assert_eq!(job.done(), 7);
        assert!(job.seen[4].is_empty() && job.seen[5].is_empty());
        assert_eq!((job.workers, job.decoder()), (2, Decoder::Seeking));
        assert_eq!(job.with_person(), 5);
    }

    #[test]
    fn one_person_keeps_the_first_found() {
        let person = |id| Person {
            id,
            score: 0.9,
            keypoints: vec![[0.0, 0.0, 0.9]; 17],
            input_keypoints: Vec::new(),
            bbox: Some([1.0, 2.0, 3.0, 4.0]),
        };
        let found = [person(3), person(4)];
        assert_eq!(People::One.seen(&found).len(), 1);
        let all = People::Everyone.seen(&found);
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].bbox, Some([1.0, 2.0, 4.0, 6.0]));
        assert_eq!(People::from_id(People::Everyone.id()), People::Everyone);
    }
}
