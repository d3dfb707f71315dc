//! Pose estimation: MoveNet as Burn modules, its decoding, the conversion of Google's TF.js
//! weights, and TF.js's pure-Rust companions: the SinglePose tracking crop, keypoint smoothing and
//! MultiPose person tracking.

pub mod cpu;
pub mod crop;
pub mod decode;
pub mod estimator;
pub mod net;
pub mod scale;
pub mod smooth;
pub mod tfjs;
pub mod tracker;
pub mod weights;

use burn::tensor::{Tensor, Transaction};

use cpu::{CpuMoveNet, PackError};
use decode::{DecodeError, HeadsData, NormKeypoint, Person};
use net::{Heads, KEYPOINTS, MoveNet, Probe, Variant};

use crate::frame::GeometryError;
use crate::readback::{ReadbackError, floats};

#[derive(Debug, thiserror::Error)]
pub enum PoseError {
    #[error("reading the pose network's output back from the device failed: {0}")]
    Readback(#[from] ReadbackError),
    #[error(
        "the pose network cannot take this input: {height}×{width}×{channels}: the pose network takes RGB with sides in multiples of 32"
    )]
    Shape {
        height: usize,
        width: usize,
        channels: usize,
    },
    #[error("the pose network cannot take this input: {0}")]
    Geometry(#[from] GeometryError),
    #[error("the pose network's weights could not be prepared for the CPU: {0}")]
    Pack(#[from] PackError),
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// How a pose network runs: Burn's ops on its device (the GPU path, and the reference), or
/// packed for the CPU kernels ([`cpu::CpuMoveNet`]).
pub enum PoseNet {
    Burn(MoveNet),
    Cpu(CpuMoveNet),
}

impl PoseNet {
    /// `net` packed for the CPU kernels (the caller, which knows its backend, chooses this or
    /// [`PoseNet::Burn`]).
    pub fn packed(net: MoveNet) -> Result<Self, PoseError> {
        Ok(PoseNet::Cpu(CpuMoveNet::new(&net)?))
    }

    pub fn variant(&self) -> Variant {
        match self {
            PoseNet::Burn(net) => net.variant,
            PoseNet::Cpu(net) => net.variant,
        }
    }

    /// The heads for `rgb` (`[1, H, W, 3]`, RGB 0–255), read back.
    pub async fn heads(&self, rgb: Tensor<4>) -> Result<HeadsData, PoseError> {
        self.heads_probed(rgb, &mut ()).await
    }

    /// [`Self::heads`], each operation run through `p` (a profiler).
    pub async fn heads_probed(
        &self,
        rgb: Tensor<4>,
        p: &mut impl Probe,
    ) -> Result<HeadsData, PoseError> {
        match self {
            PoseNet::Burn(net) => read_heads(net.forward_probed(net::normalise(rgb), p)).await,
            PoseNet::Cpu(net) => net.heads_probed(rgb, p).await,
        }
    }
}

/// The 17 keypoints of the most central person in `rgb` (`[1, H, W, 3]`, RGB 0–255; SinglePose
/// was trained at 192 × 192), normalised to that input.
pub async fn single_pose(
    net: &PoseNet,
    rgb: Tensor<4>,
) -> Result<[NormKeypoint; KEYPOINTS], PoseError> {
    net.heads(rgb).await?.single_pose().map_err(PoseError::from)
}

/// Up to six people in `rgb` (`[1, H, W, 3]`, RGB 0–255, sides multiples of 32; MultiPose was
/// exported at 256 × 256), best first, normalised to that input. Needs MultiPose weights.
pub async fn multi_pose(net: &PoseNet, rgb: Tensor<4>) -> Result<Vec<Person>, PoseError> {
    net.heads(rgb).await?.multi_pose().map_err(PoseError::from)
}

/// The heads in one readback.
pub async fn read_heads(heads: Heads) -> Result<HeadsData, PoseError> {
    let [_, _, height, width] = heads.center.dims();
    let mut transaction = Transaction::default()
        .register(heads.center)
        .register(heads.regress)
        .register(heads.heatmap)
        .register(heads.offset);
    let with_boxes = heads.boxes.is_some();
    if let Some([scale, offset]) = heads.boxes {
        transaction = transaction.register(scale).register(offset);
    }
    let data = transaction
        .execute_async()
        .await
        .map_err(ReadbackError::from)?;
    let mut values = data.into_iter().map(floats);
    let mut next = || {
        values
            .next()
            .unwrap_or(Err(ReadbackError::Missing("a head is missing")))
    };
    Ok(HeadsData {
        height,
        width,
        center: next()?,
        regress: next()?,
        heatmap: next()?,
        offset: next()?,
        boxes: if with_boxes {
            Some([next()?, next()?])
        } else {
            None
        },
    })
}
