//! DD-Net's input features (Yang et al. 2019) from a resampled, normalised sequence: joint
//! collection distances (JCD) and slow and fast global motion.

use burn::tensor::{Device, Tensor, TensorData};

use super::sequence::Sequence;

/// The features of one clip, time-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Features {
    pub frames: usize,
    pub joints: usize,
    /// `frames × pairs`: per frame, the distances between every pair of joints (upper triangle,
    /// row by row), then `(d − mean) / mean` over the clip.
    pub jcd: Vec<f32>,
    /// `frames × 2·joints`: P[t+1] − P[t], stretched back to `frames` by nearest neighbour.
    pub slow: Vec<f32>,
    /// `frames/2 × 2·joints`: the same over every second frame.
    pub fast: Vec<f32>,
    /// `frames × joints × 2`: the normalised coordinates themselves (for graph models).
    pub xy: Vec<f32>,
}

/// Number of joint pairs.
pub fn pairs(joints: usize) -> usize {
    joints * joints.saturating_sub(1) / 2
}

/// DD-Net features of `seq` (resample it first: the network's length is fixed).
pub fn ddnet_features(seq: &Sequence) -> Features {
    let (frames, joints) = (seq.frames, seq.joints());
    let mut jcd = Vec::with_capacity(frames * pairs(joints));
    for f in 0..frames {
        for a in 0..joints {
            for b in a + 1..joints {
                let (p, q) = (seq.at(f, a), seq.at(f, b));
                jcd.push((p[0] - q[0]).hypot(p[1] - q[1]));
            }
        }
    }
    let mean = jcd.iter().sum::<f32>() / jcd.len().max(1) as f32;
    if mean > 1e-12 {
        jcd.iter_mut().for_each(|d| *d = (*d - mean) / mean);
    }
    let all: Vec<usize> = (0..frames).collect();
    let every_second: Vec<usize> = (0..frames).step_by(2).collect();
    Features {
        frames,
        joints,
        jcd,
        slow: motion(seq, &all),
        fast: motion(seq, &every_second),
        xy: seq.xy.iter().flatten().copied().collect(),
    }
}

/// Differences between consecutive frames of `frames`, stretched back to `frames.len()` rows by
/// nearest neighbour as TensorFlow's `resize_nearest_neighbor` (no corner alignment).
fn motion(seq: &Sequence, frames: &[usize]) -> Vec<f32> {
    let (n, joints) = (frames.len(), seq.joints());
    let mut out = Vec::with_capacity(n * joints * 2);
    for i in 0..n {
        let d = if n > 1 { (i * (n - 1)) / n } else { 0 };
        for j in 0..joints {
            let (a, b) = match n {
                0 | 1 => ([0.0; 2], [0.0; 2]),
                _ => (seq.at(frames[d], j), seq.at(frames[d + 1], j)),
            };
            out.extend([b[0] - a[0], b[1] - a[1]]);
        }
    }
    out
}

/// A batch of features as channels-first tensors for 1-D convolutions.
#[derive(Clone, Debug)]
pub struct Batch {
    /// `[batch, pairs, frames]`
    pub jcd: Tensor<3>,
    /// `[batch, 2·joints, frames]`
    pub slow: Tensor<3>,
    /// `[batch, 2·joints, frames/2]`
    pub fast: Tensor<3>,
    /// `[batch, 4, frames, joints]`: x, y and their slow motion, per joint.
    pub pose: Tensor<4>,
}

impl Batch {
    /// Clips of one length and joint count, stacked on `device`. `None` if `clips` is empty or
    /// mixes shapes.
    pub fn new(clips: &[Features], device: &Device) -> Option<Batch> {
        let first = clips.first()?;
        if clips
            .iter()
            .any(|c| c.frames != first.frames || c.joints != first.joints)
        {
            return None;
        }
        let stack = |rows: usize, width: usize, pick: fn(&Features) -> &[f32]| {
            let mut data = Vec::with_capacity(clips.len() * rows * width);
            for clip in clips {
                let values = pick(clip);
                for c in 0..width {
                    data.extend((0..rows).map(|t| values[t * width + c]));
                }
            }
            Tensor::<3>::from_data(TensorData::new(data, [clips.len(), width, rows]), device)
        };
        let half = first.frames.div_ceil(2);
        let (frames, joints) = (first.frames, first.joints);
        let mut pose = Vec::with_capacity(clips.len() * 4 * frames * joints);
        for clip in clips {
            for channel in 0..4 {
                let values = if channel < 2 { &clip.xy } else { &clip.slow };
                pose.extend((0..frames * joints).map(|i| values[i * 2 + channel % 2]));
            }
        }
        Some(Batch {
            pose: Tensor::<4>::from_data(
                TensorData::new(pose, [clips.len(), 4, frames, joints]),
                device,
            ),
            jcd: stack(first.frames, pairs(first.joints), |c| &c.jcd),
            slow: stack(first.frames, 2 * first.joints, |c| &c.slow),
            fast: stack(half, 2 * first.joints, |c| &c.fast),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::joints::Layout;

    #[test]
    fn jcd_and_motion_follow_the_ddnet_definitions() {
        // Joint j at (j·(f+1), 0): distances grow with the frame, motion is j per frame.
        let xy = (0..4 * 13)
            .map(|i| [((i % 13) * (i / 13 + 1)) as f32, 0.0])
            .collect();
        let seq = Sequence::new(Layout::Penn13, xy, vec![1.0; 52]).unwrap();
        let f = ddnet_features(&seq);
        assert_eq!(f.jcd.len(), 4 * 78);
        assert_eq!(f.slow.len(), 4 * 26);
        assert_eq!(f.fast.len(), 2 * 26);
        let raw = |f: usize, a: usize, b: usize| ((b - a) * (f + 1)) as f32;
        let mean = (0..4)
            .map(|fr| {
                (0..13)
                    .flat_map(|a| (a + 1..13).map(move |b| (a, b)))
                    .map(|(a, b)| raw(fr, a, b))
                    .sum::<f32>()
            })
            .sum::<f32>()
            / (4.0 * 78.0);
        assert!((f.jcd[78 + 0] - (raw(1, 0, 1) - mean) / mean).abs() < 1e-6);
        assert!(
            f.jcd.iter().sum::<f32>().abs() < 1e-3,
            "centred on the clip mean"
        );
        // Slow motion of joint 5: 5 per frame, every row (the last one repeats the third).
        assert_eq!(f.slow[3 * 26 + 10], 5.0);
        // Fast motion over frames 0 and 2: 10 per step.
        assert_eq!(f.fast[1 * 26 + 10], 10.0);
    }

    #[test]
    fn batch_is_channels_first() {
        let device = Device::flex();
        let xy = (0..2 * 13).map(|i| [i as f32, 1.0]).collect();
        let seq = Sequence::new(Layout::Penn13, xy, vec![1.0; 26]).unwrap();
        let f = ddnet_features(&seq);
        let b = Batch::new(&[f.clone(), f.clone(), f.clone()], &device).unwrap();
        assert_eq!(b.jcd.dims(), [3, 78, 2]);
        assert_eq!(b.slow.dims(), [3, 26, 2]);
        assert_eq!(b.fast.dims(), [3, 26, 1]);
        let slow: Vec<f32> = b.slow.into_data().try_to_vec().unwrap();
        assert_eq!(slow[2], f.slow[1], "channel 1, frame 0");
        assert_eq!(b.pose.dims(), [3, 4, 2, 13]);
        let pose: Vec<f32> = b.pose.into_data().try_to_vec().unwrap();
        assert_eq!(pose[13 + 5], f.xy[(13 + 5) * 2], "x of frame 1, joint 5");
        assert_eq!(
            pose[3 * 26 + 5],
            f.slow[5 * 2 + 1],
            "dy of frame 0, joint 5"
        );
        assert!(Batch::new(&[], &device).is_none());
    }
}
