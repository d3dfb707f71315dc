//! Clip analysis's last stage in the engine: a recognizer over each person's poses, frame by
//! frame, into per-frame confidence (the timeline's strip) and proposed segments.

use microact_core::model::Confidence;
use microact_models::action::Sequence;
use microact_models::action::joints::Layout;
use microact_models::action::segments::{SegmentConfig, propose, to_segments};
use microact_models::action::stream::{Windows, score_track};
use microact_models::burn::tensor::Device;
use microact_models::manifest::Classes;
use microact_protocol::{PersonFrames, PersonScores};

use crate::EngineError;
use crate::live::Recognizer;

/// Windows over the clip's own frames: about a second at 30 fps, the length of the recognizer's
/// training clips once resampled (the segment defaults were chosen with these).
pub const WINDOWS: Windows = Windows {
    length: 32,
    stride: 2,
};
/// MoveNet's 17 COCO keypoints.
const KEYPOINTS: usize = 17;

/// What the recognizer makes of one person; `None` when they are on no frame.
pub async fn score(
    recognizer: &Recognizer,
    person: &PersonFrames,
    device: &Device,
) -> Result<Option<PersonScores>, EngineError> {
    let Some(sequence) = pose_sequence(&person.frames) else {
        return Ok(None);
    };
    let spec = &recognizer.spec;
    let mut scores =
        score_track(&recognizer.net, &spec.pipeline, &sequence, WINDOWS, device).await?;
    let seen: Vec<bool> = person.frames.iter().map(Option::is_some).collect();
    scores.forget_unseen(&seen);
    let set = spec.label_set_id();
    Ok(Some(PersonScores {
        id: person.id,
        confidence: Confidence {
            model: recognizer.name.clone(),
            set: set.clone(),
            classes: spec.classes.clone(),
            frames: scores
                .top()
                .into_iter()
                .map(|(c, p)| (u16::try_from(c).unwrap_or(u16::MAX), p))
                .collect(),
        },
        proposals: to_segments(
            &propose(&scores, &SegmentConfig::default()),
            &spec.labels(),
            &recognizer.name,
            &recognizer.version,
            0,
        ),
    }))
}

/// A person's frames as a recognizer input (frames without them: scores 0); `None` when they
/// are on none.
pub fn pose_sequence(frames: &[Option<Vec<[f32; 3]>>]) -> Option<Sequence> {
    if frames.iter().all(Option::is_none) {
        return None;
    }
    let mut xy = Vec::with_capacity(frames.len() * KEYPOINTS);
    let mut score = Vec::with_capacity(frames.len() * KEYPOINTS);
    for seen in frames {
        match seen {
            Some(k) if k.len() == KEYPOINTS => {
                xy.extend(k.iter().map(|&[x, y, _]| [x, y]));
                score.extend(k.iter().map(|&[_, _, s]| s));
            }
            _ => {
                xy.extend([[0.0; 2]; KEYPOINTS]);
                score.extend([0.0; KEYPOINTS]);
            }
        }
    }
    Sequence::new(Layout::Coco17, xy, score)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_without_the_person_score_zero() {
        let seen = |v: f32| Some(vec![[v, v + 1.0, 0.8]; KEYPOINTS]);
        let seq = pose_sequence(&[None, seen(1.0), None, seen(2.0)]).unwrap();
        assert_eq!(seq.frames, 4);
        assert_eq!(seq.score[0], 0.0);
        assert_eq!(seq.xy[KEYPOINTS], [1.0, 2.0]);
        assert!(pose_sequence(&[None, None]).is_none());
    }
}
