//! Recognition over a pose track: sliding windows (length and stride in the track's frames),
//! per-frame class probabilities with an unknown score, for a whole clip at once or frame by
//! frame from a live source.

use std::collections::VecDeque;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::joints::Layout;
use super::pipeline::Pipeline;
use super::recognizer::{Classifier, RecognizerError, Unknown, logits, softmax};
use super::sequence::Sequence;
use crate::readback::ReadbackError;

/// Sliding windows over a track.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Windows {
    /// Frames a window spans (resampled to the network's length).
    pub length: usize,
    /// Frames between window starts.
    pub stride: usize,
}

impl Windows {
    /// `[start, end)` of each window over `frames` frames: every `stride` frames, the last one
    /// flush with the end; a track shorter than a window is one window.
    pub fn spans(&self, frames: usize) -> Vec<(usize, usize)> {
        let (length, stride) = (self.length.max(1), self.stride.max(1));
        if frames <= length {
            return if frames == 0 {
                Vec::new()
            } else {
                vec![(0, frames)]
            };
        }
        let mut spans: Vec<(usize, usize)> = (0..=frames - length)
            .step_by(stride)
            .map(|s| (s, s + length))
            .collect();
        if spans.last().is_some_and(|&(_, end)| end < frames) {
            spans.push((frames - length, frames));
        }
        spans
    }
}

/// Class probabilities and unknown scores, one row per frame of a track.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FrameScores {
    /// `[frames][classes]`
    pub probabilities: Vec<Vec<f32>>,
    /// `1 − max softmax` of the windows covering each frame, averaged.
    pub unknown: Vec<f32>,
}

impl FrameScores {
    /// Forgets what the windows said about frames where the person was not seen (`seen[f]`
    /// false; frames past `seen` too): there every probability is 0 and the unknown score 1, so
    /// that no proposal and no confidence rests on a frame without them.
    pub fn forget_unseen(&mut self, seen: &[bool]) {
        for (f, (p, u)) in self
            .probabilities
            .iter_mut()
            .zip(self.unknown.iter_mut())
            .enumerate()
        {
            if !seen.get(f).copied().unwrap_or(false) {
                p.iter_mut().for_each(|v| *v = 0.0);
                *u = 1.0;
            }
        }
    }

    /// Each frame's most probable class and its probability (0 where no window covered it).
    pub fn top(&self) -> Vec<(usize, f32)> {
        self.probabilities
            .iter()
            .map(|p| {
                let class = super::recognizer::argmax(p);
                (class, p.get(class).copied().unwrap_or(0.0))
            })
            .collect()
    }
}

/// Windows classified in one batch by [`score_track`].
const SCORE_BATCH: usize = 8;

/// Scores every frame of `track`: each window classified (in batches on `device`), each frame the
/// mean over the windows that cover it.
pub async fn score_track(
    model: &impl Classifier,
    pipeline: &Pipeline,
    track: &Sequence,
    windows: Windows,
    device: &Device,
) -> Result<FrameScores, RecognizerError> {
    let spans = windows.spans(track.frames);
    let clips: Vec<Sequence> = spans
        .iter()
        .map(|&(s, e)| track.select(&(s..e).collect::<Vec<_>>()))
        .collect();
    let mut window_logits = Vec::with_capacity(clips.len());
    for batch in clips.chunks(SCORE_BATCH) {
        let refs: Vec<&Sequence> = batch.iter().collect();
        window_logits.extend(logits(model, pipeline, &refs, false, device).await?);
    }
    let rows: Vec<(Vec<f32>, f32)> = window_logits
        .iter()
        .map(|l| (softmax(l), Unknown::from_logits(l).max_softmax))
        .collect();
    Ok(FrameScores::from_windows(track.frames, &spans, &rows))
}

impl FrameScores {
    /// Each of `frames` frames scored by the mean over the windows that cover it; `rows[w]` is
    /// window `spans[w]`'s class probabilities and unknown score.
    pub fn from_windows(
        frames: usize,
        spans: &[(usize, usize)],
        rows: &[(Vec<f32>, f32)],
    ) -> FrameScores {
        let classes = rows.first().map_or(0, |r| r.0.len());
        let mut probabilities = vec![vec![0.0f32; classes]; frames];
        let mut unknown = vec![0.0f32; frames];
        let mut covered = vec![0u32; frames];
        for (&(start, end), (p, u)) in spans.iter().zip(rows) {
            for f in start..end.min(frames) {
                probabilities[f]
                    .iter_mut()
                    .zip(p)
                    .for_each(|(a, b)| *a += b);
                unknown[f] += u;
                covered[f] += 1;
            }
        }
        for (f, &n) in covered.iter().enumerate().filter(|(_, n)| **n > 0) {
            probabilities[f].iter_mut().for_each(|v| *v /= n as f32);
            unknown[f] /= n as f32;
        }
        FrameScores {
            probabilities,
            unknown,
        }
    }
}

/// A live pose source, frame by frame: hands out the latest window every `stride` frames once
/// `length` frames have arrived.
#[derive(Clone, Debug)]
pub struct Stream {
    windows: Windows,
    layout: Layout,
    frames: VecDeque<(Vec<[f32; 2]>, Vec<f32>)>,
    until_next: usize,
}

impl Stream {
    pub fn new(windows: Windows, layout: Layout) -> Stream {
        Stream {
            windows,
            layout,
            frames: VecDeque::new(),
            until_next: 0,
        }
    }

    /// Adds one frame's joints (`layout` order; a person not seen: scores 0). Returns the window
    /// to classify when one is due; frames of the wrong size are ignored.
    pub fn push(&mut self, xy: &[[f32; 2]], score: &[f32]) -> Option<Sequence> {
        let joints = self.layout.joints();
        if xy.len() != joints || score.len() != joints {
            return None;
        }
        self.frames.push_back((xy.to_vec(), score.to_vec()));
        while self.frames.len() > self.windows.length.max(1) {
            self.frames.pop_front();
        }
        self.until_next = self.until_next.saturating_sub(1);
        if self.frames.len() < self.windows.length.max(1) || self.until_next > 0 {
            return None;
        }
        self.until_next = self.windows.stride.max(1);
        let (xy, score) =
            self.frames
                .iter()
                .fold((Vec::new(), Vec::new()), |(mut xy, mut s), (p, c)| {
                    xy.extend_from_slice(p);
                    s.extend_from_slice(c);
                    (xy, s)
                });
        Sequence::new(self.layout, xy, score)
    }

    /// Forgets the frames so far (a cut, another person, a seek).
    pub fn reset(&mut self) {
        self.frames.clear();
        self.until_next = 0;
    }
}

/// Probabilities and unknown score of one window.
pub async fn classify(
    model: &impl Classifier,
    pipeline: &Pipeline,
    window: &Sequence,
    device: &Device,
) -> Result<(Vec<f32>, Unknown), RecognizerError> {
    let l = logits(model, pipeline, &[window], false, device)
        .await?
        .pop()
        .ok_or(RecognizerError(ReadbackError::Missing(
            "no logits came back",
        )))?;
    Ok((softmax(&l), Unknown::from_logits(&l)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::ddnet::DdNetConfig;
    use burn::tensor::read_sync;

    #[test]
    fn top_is_each_frames_most_probable_class() {
        let scores = FrameScores {
            probabilities: vec![vec![0.1, 0.7, 0.2], vec![0.0; 3], vec![0.5, 0.2, 0.3]],
            unknown: vec![0.3, 0.0, 0.5],
        };
        let top = scores.top();
        assert_eq!((top[0], top[1].1, top[2]), ((1, 0.7), 0.0, (0, 0.5)));
    }

    #[test]
    fn frames_without_the_person_say_nothing() {
        let mut scores = FrameScores {
            probabilities: vec![vec![0.1, 0.9]; 4],
            unknown: vec![0.1; 4],
        };
        scores.forget_unseen(&[true, false, true]);
        assert_eq!(scores.probabilities[0], vec![0.1, 0.9]);
        assert_eq!(scores.probabilities[1], vec![0.0, 0.0]);
        assert_eq!(
            scores.probabilities[3],
            vec![0.0, 0.0],
            "past the end of `seen`"
        );
        assert_eq!(scores.unknown, vec![0.1, 1.0, 0.1, 1.0]);
        let proposals = crate::action::segments::propose(
            &scores,
            &crate::action::segments::SegmentConfig {
                smooth: 1,
                min_frames: 1,
                ..Default::default()
            },
        );
        let covered: Vec<(usize, usize)> = proposals.iter().map(|p| (p.start, p.end)).collect();
        assert_eq!(covered, vec![(0, 1), (2, 3)], "none over frames 1 and 3");
    }

    #[test]
    fn windows_cover_every_frame_and_end_flush() {
        let w = Windows {
            length: 10,
            stride: 4,
        };
        assert_eq!(w.spans(0), vec![]);
        assert_eq!(w.spans(7), vec![(0, 7)]);
        assert_eq!(w.spans(10), vec![(0, 10)]);
        assert_eq!(w.spans(19), vec![(0, 10), (4, 14), (8, 18), (9, 19)]);
        assert_eq!(w.spans(18), vec![(0, 10), (4, 14), (8, 18)]);
    }

    #[test]
    fn stream_hands_out_a_window_every_stride() {
        let mut s = Stream::new(
            Windows {
                length: 5,
                stride: 3,
            },
            Layout::Coco17,
        );
        let due: Vec<usize> = (0..14)
            .filter(|&f| s.push(&vec![[f as f32, 0.0]; 17], &[1.0; 17]).is_some())
            .collect();
        assert_eq!(due, vec![4, 7, 10, 13]);
        let mut s = Stream::new(
            Windows {
                length: 3,
                stride: 1,
            },
            Layout::Coco17,
        );
        let window = (0..5)
            .filter_map(|f| s.push(&vec![[f as f32, 0.0]; 17], &[1.0; 17]))
            .last()
            .unwrap();
        assert_eq!((window.frames, window.at(0, 0)), (3, [2.0, 0.0]));
        assert!(s.push(&[[0.0, 0.0]; 3], &[1.0; 3]).is_none());
        s.reset();
        assert!(s.push(&vec![[0.0, 0.0]; 17], &[1.0; 17]).is_none());
    }

    #[test]
    fn every_frame_gets_probabilities() {
        let device = Device::flex();
        let net = DdNetConfig::new(13, 4).with_filters(4).init(&device);
        let xy = (0..50 * 17)
            .map(|i| [(i % 17) as f32, (i / 17) as f32])
            .collect();
        let track = Sequence::new(Layout::Coco17, xy, vec![1.0; 850]).unwrap();
        let windows = Windows {
            length: 20,
            stride: 7,
        };
        let scores = read_sync(score_track(
            &net,
            &Pipeline::default(),
            &track,
            windows,
            &device,
        ))
        .unwrap();
        assert_eq!(scores.probabilities.len(), 50);
        for p in &scores.probabilities {
            assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        }
        assert!(scores.unknown.iter().all(|u| (0.0..1.0).contains(u)));
        let (p, _) = read_sync(classify(&net, &Pipeline::default(), &track, &device)).unwrap();
        assert_eq!(p.len(), 4);
    }
}
