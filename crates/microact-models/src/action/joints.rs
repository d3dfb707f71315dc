//! Joint layouts of the skeleton sources and the one 13-joint set the recognizers use.
//!
//! The shared set is Penn Action's order: head, shoulders, elbows, wrists, hips, knees, ankles
//! (left before right). COCO-17 (MoveNet) maps its nose onto the head, JHMDB its face.

use serde::{Deserialize, Serialize};

/// Names of the shared joints, in order.
pub const SHARED_JOINTS: [&str; 13] = [
    "head",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
];

/// Where a skeleton comes from: its joints, their order and their left/right pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// MoveNet's 17 COCO keypoints.
    Coco17,
    /// Penn Action's 13 joints; also the shared set.
    Penn13,
    /// JHMDB's 15 joints (neck, belly, face, then right before left).
    Jhmdb15,
}

impl Layout {
    pub fn joints(self) -> usize {
        match self {
            Layout::Coco17 => 17,
            Layout::Penn13 => 13,
            Layout::Jhmdb15 => 15,
        }
    }

    /// For each shared joint, the index of the source joint it is read from.
    pub fn to_shared(self) -> [usize; 13] {
        match self {
            Layout::Coco17 => [0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16],
            Layout::Penn13 => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
            Layout::Jhmdb15 => [2, 4, 3, 8, 7, 12, 11, 6, 5, 10, 9, 14, 13],
        }
    }

    /// The joint each joint becomes in a mirror image (left ↔ right; the others stay).
    pub fn mirror(self) -> Vec<usize> {
        let pairs: &[(usize, usize)] = match self {
            Layout::Coco17 => &[
                (1, 2),
                (3, 4),
                (5, 6),
                (7, 8),
                (9, 10),
                (11, 12),
                (13, 14),
                (15, 16),
            ],
            Layout::Penn13 => &[(1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12)],
            Layout::Jhmdb15 => &[(3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14)],
        };
        let mut map: Vec<usize> = (0..self.joints()).collect();
        for &(a, b) in pairs {
            map[a] = b;
            map[b] = a;
        }
        map
    }

    /// The bones: pairs of joints the skeleton connects.
    pub fn edges(self) -> &'static [(usize, usize)] {
        match self {
            // The drawing skeleton (`SKELETON` of the page–engine protocol crate) plus the nose
            // to both shoulders, which it leaves out and a graph needs.
            Layout::Coco17 => &[
                (0, 1),
                (0, 2),
                (1, 3),
                (2, 4),
                (0, 5),
                (0, 6),
                (5, 6),
                (5, 7),
                (5, 11),
                (6, 8),
                (6, 12),
                (7, 9),
                (8, 10),
                (11, 12),
                (11, 13),
                (12, 14),
                (13, 15),
                (14, 16),
            ],
            Layout::Penn13 => &[
                (0, 1),
                (0, 2),
                (1, 2),
                (1, 3),
                (3, 5),
                (2, 4),
                (4, 6),
                (1, 7),
                (2, 8),
                (7, 8),
                (7, 9),
                (9, 11),
                (8, 10),
                (10, 12),
            ],
            Layout::Jhmdb15 => &[
                (0, 1),
                (0, 2),
                (0, 3),
                (0, 4),
                (1, 5),
                (1, 6),
                (3, 7),
                (4, 8),
                (5, 9),
                (6, 10),
                (7, 11),
                (8, 12),
                (9, 13),
                (10, 14),
            ],
        }
    }

    /// The joints whose midpoints give a body's centre (hips) and torso length (shoulders to
    /// hips).
    pub fn torso(self) -> Torso {
        match self {
            Layout::Coco17 => Torso {
                shoulders: [5, 6],
                hips: [11, 12],
            },
            Layout::Penn13 => Torso {
                shoulders: [1, 2],
                hips: [7, 8],
            },
            Layout::Jhmdb15 => Torso {
                shoulders: [3, 4],
                hips: [5, 6],
            },
        }
    }
}

/// Indices of the joints that define a torso.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Torso {
    pub shoulders: [usize; 2],
    pub hips: [usize; 2],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_maps_names_onto_the_shared_set() {
        let coco = [
            "nose",
            "left_eye",
            "right_eye",
            "left_ear",
            "right_ear",
            "left_shoulder",
            "right_shoulder",
            "left_elbow",
            "right_elbow",
            "left_wrist",
            "right_wrist",
            "left_hip",
            "right_hip",
            "left_knee",
            "right_knee",
            "left_ankle",
            "right_ankle",
        ];
        let jhmdb = [
            "neck",
            "belly",
            "head",
            "right_shoulder",
            "left_shoulder",
            "right_hip",
            "left_hip",
            "right_elbow",
            "left_elbow",
            "right_knee",
            "left_knee",
            "right_wrist",
            "left_wrist",
            "right_ankle",
            "left_ankle",
        ];
        for (layout, names) in [(Layout::Coco17, &coco[..]), (Layout::Jhmdb15, &jhmdb[..])] {
            for (shared, source) in SHARED_JOINTS.iter().zip(layout.to_shared()) {
                let name = if names[source] == "nose" {
                    "head"
                } else {
                    names[source]
                };
                assert_eq!(*shared, name, "{layout:?}");
            }
        }
    }

    #[test]
    fn every_skeleton_is_one_connected_tree_or_more() {
        for layout in [Layout::Coco17, Layout::Penn13, Layout::Jhmdb15] {
            let mut reached = vec![false; layout.joints()];
            reached[0] = true;
            for _ in 0..layout.joints() {
                for &(a, b) in layout.edges() {
                    if reached[a] || reached[b] {
                        (reached[a], reached[b]) = (true, true);
                    }
                }
            }
            assert!(
                reached.iter().all(|&r| r),
                "{layout:?} has a joint no bone reaches"
            );
        }
    }

    #[test]
    fn mirroring_swaps_left_and_right_and_is_its_own_inverse() {
        for layout in [Layout::Coco17, Layout::Penn13, Layout::Jhmdb15] {
            let map = layout.mirror();
            assert!(map.iter().enumerate().all(|(i, &j)| map[j] == i));
        }
        let penn = Layout::Penn13.mirror();
        for (i, name) in SHARED_JOINTS.iter().enumerate() {
            let expected = name
                .replace("left", "@")
                .replace("right", "left")
                .replace('@', "right");
            assert_eq!(SHARED_JOINTS[penn[i]], expected);
        }
    }
}
