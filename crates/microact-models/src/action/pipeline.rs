//! The stages in order, from a raw pose sequence to the network's features; the one place that
//! says what a recognizer sees, in training and in the page.

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use super::augment::Augment;
use super::features::{Features, ddnet_features};
use super::sequence::Sequence;

/// How a recognizer reads a sequence.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    /// Frames after resampling (the network's length).
    pub frames: usize,
    /// Map onto the shared 13 joints (needed to run on another skeleton source).
    pub shared: bool,
    /// Joints scored below this are treated as missing and filled from their neighbours in time.
    pub min_score: f32,
}

impl Default for Pipeline {
    fn default() -> Pipeline {
        Pipeline {
            frames: 32,
            shared: true,
            min_score: 0.3,
        }
    }
}

impl Pipeline {
    /// Joints per frame the network sees for a source of `joints` joints.
    pub fn joints(&self, source_joints: usize) -> usize {
        if self.shared {
            super::joints::SHARED_JOINTS.len()
        } else {
            source_joints
        }
    }

    /// Stages before timing: shared joints, gaps filled, normalised.
    fn prepared(&self, seq: &Sequence, augment: &Augment, rng: &mut impl Rng) -> Sequence {
        let seq = if self.shared {
            seq.to_shared()
        } else {
            seq.clone()
        };
        augment
            .drop_joints(&seq, rng)
            .fill_missing(self.min_score)
            .normalise()
    }

    /// Features for inference; `mirror` for the mirror image (test-time averaging).
    pub fn features(&self, seq: &Sequence, mirror: bool) -> Features {
        let seq = self
            .prepared(
                seq,
                &Augment::NONE,
                &mut rand::rngs::StdRng::from_seed([0; 32]),
            )
            .resample(self.frames);
        ddnet_features(&if mirror { seq.mirror() } else { seq })
    }

    /// Features with `augment` drawn from `rng`:
    /// shared joints → lose joints → fill gaps → normalise → retime → resample → geometry.
    pub fn augmented(&self, seq: &Sequence, augment: &Augment, rng: &mut impl Rng) -> Features {
        let seq = self.prepared(seq, augment, rng);
        let seq = augment.retime(&seq, rng).resample(self.frames);
        ddnet_features(&augment.geometry(&seq, rng))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::joints::Layout;

    #[test]
    fn features_see_shared_joints_at_the_network_length() {
        let xy = (0..50 * 17)
            .map(|i| [(i % 17) as f32 * 3.0, (i / 17) as f32 + (i % 17) as f32])
            .collect();
        let seq = Sequence::new(Layout::Coco17, xy, vec![0.9; 850]).unwrap();
        let pipeline = Pipeline::default();
        let f = pipeline.features(&seq, false);
        assert_eq!((f.frames, f.joints), (32, 13));
        let mirrored = pipeline.features(&seq, true);
        assert_eq!(f.jcd.len(), mirrored.jcd.len());
        assert_ne!(f.slow, mirrored.slow);
        let own = Pipeline {
            shared: false,
            ..pipeline
        }
        .features(&seq, false);
        assert_eq!(own.joints, 17);
    }
}
