//! MoveNet on the CPU through [`crate::kernels`]: the same network as [`MoveNet`], its weights
//! packed once for NHWC kernels that fuse bias, activation and residual adds, the input scaling
//! folded into the first pass, and buffers reused from frame to frame. Burn's own ops stay the
//! GPU path (and the reference these kernels are tested against).

use std::cell::RefCell;

use burn::nn::conv::Conv2d;
use burn::tensor::Tensor;

use super::PoseError;
use super::decode::HeadsData;
use super::net::{Act, ConvAct, MoveNet, OpKind, Probe, SCALE, TAPS, Variant};
use crate::kernels::{Clamp, Conv3x3, Depthwise, Pointwise, resize_bilinear, to_planar};
use crate::readback::{ReadbackError, floats};

struct Block {
    expand: Option<Pointwise>,
    depthwise: Depthwise,
    project: Pointwise,
    residual: bool,
}

struct Head {
    depthwise: Depthwise,
    hidden: Pointwise,
    out: Pointwise,
}

/// Buffers kept between frames, handed out and back as a frame runs.
#[derive(Default)]
struct Pool(Vec<Vec<f32>>);

impl Pool {
    fn take(&mut self) -> Vec<f32> {
        self.0.pop().unwrap_or_default()
    }

    fn give(&mut self, buffers: impl IntoIterator<Item = Vec<f32>>) {
        self.0.extend(buffers);
    }
}

/// MoveNet packed for the CPU kernels.
pub struct CpuMoveNet {
    pub variant: Variant,
    stem: Conv3x3,
    blocks: Vec<Block>,
    last: Pointwise,
    laterals: Vec<Pointwise>,
    merges: Vec<(Depthwise, Pointwise)>,
    /// centre, regress, heatmap, offset, then MultiPose's box scale and box offset.
    heads: Vec<Head>,
    pool: RefCell<Pool>,
}

fn clamp(act: Act) -> Clamp {
    match act {
        Act::None => Clamp::NONE,
        Act::Relu => Clamp::RELU,
        Act::Relu6 => Clamp::RELU6,
    }
}

/// Why MoveNet's weights could not be packed for the CPU kernels.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("a pose weight could not be read: {0}")]
    Weight(#[from] ReadbackError),
    #[error("a depthwise layer has {0} channels; the CPU kernels take multiples of 4")]
    Channels(usize),
}

/// A conv's weights and bias as plain `f32` (int8 weights expanded).
fn weights(conv: &Conv2d) -> Result<(Vec<f32>, Option<Vec<f32>>), PackError> {
    let weight = floats(crate::weights::expand(conv.weight.val()).into_data())?;
    let bias = match &conv.bias {
        Some(b) => Some(floats(b.val().into_data())?),
        None => None,
    };
    Ok((weight, bias))
}

fn pointwise(layer: &ConvAct) -> Result<Pointwise, PackError> {
    let (w, b) = weights(&layer.conv)?;
    let [outputs, inputs] = [layer.conv.weight.dims()[0], layer.conv.weight.dims()[1]];
    Ok(Pointwise::new(
        inputs,
        outputs,
        &w,
        b.as_deref(),
        clamp(layer.act),
    ))
}

fn depthwise(layer: &ConvAct) -> Result<Depthwise, PackError> {
    let (w, b) = weights(&layer.conv)?;
    let channels = layer.conv.weight.dims()[0];
    if channels % 4 != 0 {
        return Err(PackError::Channels(channels));
    }
    Ok(Depthwise::new(
        channels,
        layer.conv.stride[0],
        &w,
        b.as_deref(),
        clamp(layer.act),
    ))
}

impl CpuMoveNet {
    /// Packs `net`'s weights (read back from its device).
    pub fn new(net: &MoveNet) -> Result<Self, PackError> {
        let (w, b) = weights(&net.stem.conv)?;
        let [outputs, inputs, _, _] = net.stem.conv.weight.dims();
        let stem = Conv3x3::new(
            inputs,
            outputs,
            net.stem.conv.stride[0],
            &w,
            b.as_deref(),
            clamp(net.stem.act),
        );
        let blocks = net
            .blocks
            .iter()
            .map(|b| {
                Ok(Block {
                    expand: b.expand.as_ref().map(pointwise).transpose()?,
                    depthwise: depthwise(&b.depthwise)?,
                    project: pointwise(&b.project)?,
                    residual: b.residual,
                })
            })
            .collect::<Result<_, PackError>>()?;
        let mut heads = vec![&net.center, &net.regress, &net.heatmap, &net.offset];
        if let Some(boxes) = &net.boxes {
            heads.extend([&boxes.scale, &boxes.offset]);
        }
        Ok(Self {
            variant: net.variant,
            stem,
            blocks,
            last: pointwise(&net.last)?,
            laterals: net
                .laterals
                .iter()
                .map(pointwise)
                .collect::<Result<_, _>>()?,
            merges: net
                .merges
                .iter()
                .map(|m| Ok((depthwise(&m.depthwise)?, pointwise(&m.pointwise)?)))
                .collect::<Result<_, PackError>>()?,
            heads: heads
                .into_iter()
                .map(|h| {
                    Ok(Head {
                        depthwise: depthwise(&h.hidden.depthwise)?,
                        hidden: pointwise(&h.hidden.pointwise)?,
                        out: pointwise(&h.out)?,
                    })
                })
                .collect::<Result<_, PackError>>()?,
            pool: RefCell::default(),
        })
    }

    /// The heads for `rgb` (`[1, H, W, 3]`, RGB 0–255, sides multiples of 32), each operation
    /// run through `p` (a profiler; `()` only runs them).
    pub async fn heads_probed(
        &self,
        rgb: Tensor<4>,
        p: &mut impl Probe,
    ) -> Result<HeadsData, PoseError> {
        let [_, height, width, channels] = rgb.dims();
        if channels != 3 || height % 32 != 0 || width % 32 != 0 || height == 0 || width == 0 {
            return Err(PoseError::Shape {
                height,
                width,
                channels,
            });
        }
        let rgb = floats(rgb.into_data())?;
        // The buffers of the last frame; a frame started while another is still running gets
        // its own.
        let mut own = Pool::default();
        let mut shared = self.pool.try_borrow_mut();
        let pool = match shared.as_deref_mut() {
            Ok(pool) => pool,
            Err(_) => &mut own,
        };
        Ok(self.run(&rgb, (height, width), pool, p).await)
    }

    async fn run(
        &self,
        rgb: &[f32],
        (h, w): (usize, usize),
        pool: &mut Pool,
        p: &mut impl Probe,
    ) -> HeadsData {
        let mut input = pool.take();
        input.clear();
        input.extend(rgb.iter().map(|v| v * SCALE - 1.0));
        let (mut patches, mut x) = (pool.take(), pool.take());
        p.run(OpKind::Conv, || {
            self.stem.run(&input, h, w, &mut patches, &mut x)
        });
        pool.give([input, patches]);
        let (mut h, mut w) = self.stem.output_size(h, w);
        let mut taps = Vec::with_capacity(TAPS.len());
        for (i, block) in self.blocks.iter().enumerate() {
            let mut expanded = pool.take();
            if let Some(expand) = &block.expand {
                p.run(OpKind::Pointwise, || expand.run(&x, None, &mut expanded));
            }
            let source = if block.expand.is_some() {
                &expanded
            } else {
                &x
            };
            let mut spatial = pool.take();
            p.run(OpKind::Depthwise, || {
                block.depthwise.run(source, h, w, &mut spatial)
            });
            (h, w) = block.depthwise.output_size(h, w);
            let mut out = pool.take();
            let residual = block.residual.then_some(x.as_slice());
            p.run(OpKind::Pointwise, || {
                block.project.run(&spatial, residual, &mut out)
            });
            pool.give([expanded, spatial, std::mem::replace(&mut x, out)]);
            if TAPS.contains(&i) {
                let mut tap = pool.take();
                tap.clone_from(&x);
                taps.push((tap, h, w));
            }
        }
        let mut top = pool.take();
        p.run(OpKind::Pointwise, || self.last.run(&x, None, &mut top));
        let mut y = pool.take();
        p.run(OpKind::Pointwise, || {
            self.laterals[0].run(&top, None, &mut y)
        });
        pool.give([x, top]);
        let mut channels = self.laterals[0].outputs;
        let (mut yh, mut yw) = (h, w);
        // Finest tap last: merge coarse to fine.
        for (((tap, th, tw), lateral), (depthwise, pointwise)) in taps
            .into_iter()
            .rev()
            .zip(&self.laterals[1..])
            .zip(&self.merges)
        {
            let mut up = pool.take();
            p.run(OpKind::Resize, || {
                resize_bilinear(&y, (yh, yw, channels), (th, tw), &mut up)
            });
            let mut merged = pool.take();
            p.run(OpKind::Pointwise, || {
                lateral.run(&tap, Some(&up), &mut merged)
            });
            let mut spatial = pool.take();
            p.run(OpKind::Depthwise, || {
                depthwise.run(&merged, th, tw, &mut spatial)
            });
            p.run(OpKind::Pointwise, || pointwise.run(&spatial, None, &mut y));
            pool.give([tap, up, merged, spatial]);
            (yh, yw, channels) = (th, tw, pointwise.outputs);
        }
        let mut outputs = Vec::with_capacity(self.heads.len());
        for head in &self.heads {
            let (mut spatial, mut hidden, mut out) = (pool.take(), pool.take(), pool.take());
            p.run(OpKind::Depthwise, || {
                head.depthwise.run(&y, yh, yw, &mut spatial)
            });
            p.run(OpKind::Pointwise, || {
                head.hidden.run(&spatial, None, &mut hidden)
            });
            p.run(OpKind::Pointwise, || head.out.run(&hidden, None, &mut out));
            outputs.push(to_planar(&out, head.out.outputs));
            pool.give([spatial, hidden, out]);
        }
        pool.give([y]);
        let mut outputs = outputs.into_iter();
        let mut next = || outputs.next().unwrap_or_default();
        HeadsData {
            height: yh,
            width: yw,
            center: next(),
            regress: next(),
            heatmap: next(),
            offset: next(),
            boxes: (self.heads.len() == 6).then(|| [next(), next()]),
        }
    }
}
