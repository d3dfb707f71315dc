//! MoveNet (SinglePose and MultiPose Lightning) as Burn modules: a MobileNetV2 backbone, a
//! three-level feature pyramid, and CenterNet heads at stride 4 — the layers of Google's TF.js
//! graphs (`center_net_mobile_net_v2fpn_feature_extractor`), one module per layer, weights in the
//! graph's order. Batch norms are folded into the convolutions' biases, as in the graphs.
//! MultiPose is the same network with a 1.5× wider backbone and two more heads (person boxes).
//!
//! Tensors are NCHW. With SinglePose's 192 × 192 input the heads are 48 × 48; with MultiPose's
//! 256 × 256, 64 × 64.

use burn::module::Module;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
use burn::tensor::{Device, Tensor, activation};

/// Keypoints MoveNet predicts (COCO order).
pub const KEYPOINTS: usize = 17;

/// Which of Google's two MoveNet Lightning graphs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    /// One person (the most central), 192 × 192 input, MobileNetV2 width 1.0.
    SinglePoseLightning,
    /// Up to six people with boxes, 256 × 256 input, MobileNetV2 width 1.5.
    MultiPoseLightning,
}

impl Variant {
    /// The input side the graph was exported with.
    pub fn input_size(self) -> u32 {
        match self {
            Variant::SinglePoseLightning => 192,
            Variant::MultiPoseLightning => 256,
        }
    }

    /// MobileNetV2's width multiplier.
    fn alpha(self) -> f64 {
        match self {
            Variant::SinglePoseLightning => 1.0,
            Variant::MultiPoseLightning => 1.5,
        }
    }

    /// `channels` scaled by the width multiplier, rounded as Keras's MobileNetV2 does
    /// (`_make_divisible(channels * alpha, 8)`).
    fn width(self, channels: usize) -> usize {
        let scaled = channels as f64 * self.alpha();
        let rounded = (((scaled + 4.0) as usize) / 8 * 8).max(8);
        if (rounded as f64) < 0.9 * scaled {
            rounded + 8
        } else {
            rounded
        }
    }

    fn has_boxes(self) -> bool {
        self == Variant::MultiPoseLightning
    }
}

/// What follows a convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    None,
    Relu,
    Relu6,
}

impl Act {
    fn apply(self, x: Tensor<4>) -> Tensor<4> {
        match self {
            Act::None => x,
            Act::Relu => activation::relu(x),
            Act::Relu6 => x.clamp(0.0, 6.0),
        }
    }
}

/// A convolution with TF's `SAME` padding (asymmetric at stride 2, as TF pads) and an
/// activation. `depthwise` convolutions have one group per channel.
#[derive(Module, Debug)]
pub struct ConvAct {
    pub conv: Conv2d,
    #[module(skip)]
    pub act: Act,
}

/// Shape of one [`ConvAct`]: what the converter and `init` agree on.
#[derive(Clone, Copy, Debug)]
pub struct ConvSpec {
    pub input: usize,
    pub output: usize,
    pub kernel: usize,
    pub stride: usize,
    pub depthwise: bool,
    pub bias: bool,
    pub act: Act,
}

impl ConvSpec {
    pub fn pointwise(input: usize, output: usize, act: Act) -> Self {
        Self {
            input,
            output,
            kernel: 1,
            stride: 1,
            depthwise: false,
            bias: true,
            act,
        }
    }

    pub fn depthwise(channels: usize, stride: usize, bias: bool, act: Act) -> Self {
        Self {
            input: channels,
            output: channels,
            kernel: 3,
            stride,
            depthwise: true,
            bias,
            act,
        }
    }

    pub fn init(self, device: &Device) -> ConvAct {
        let conv = Conv2dConfig::new([self.input, self.output], [self.kernel, self.kernel])
            .with_stride([self.stride, self.stride])
            .with_groups(if self.depthwise { self.input } else { 1 })
            .with_padding(PaddingConfig2d::Same)
            .with_bias(self.bias)
            .init(device);
        ConvAct {
            conv,
            act: self.act,
        }
    }
}

impl ConvAct {
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.act.apply(self.conv.forward(x))
    }
}

/// MobileNetV2's inverted residual: expand (1×1, ReLU6), depthwise 3×3 (ReLU6), project (1×1,
/// linear), plus the input when shapes allow.
#[derive(Module, Debug)]
pub struct InvertedResidual {
    pub expand: Option<ConvAct>,
    pub depthwise: ConvAct,
    pub project: ConvAct,
    #[module(skip)]
    pub residual: bool,
}

impl InvertedResidual {
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let y = match &self.expand {
            Some(expand) => expand.forward(x.clone()),
            None => x.clone(),
        };
        let y = self.project.forward(self.depthwise.forward(y));
        if self.residual { x + y } else { y }
    }
}

/// One inverted residual block's shape.
#[derive(Clone, Copy, Debug)]
pub struct BlockSpec {
    pub input: usize,
    pub output: usize,
    pub expansion: usize,
    pub stride: usize,
}

/// MobileNetV2 (width 1.0): the stem conv, then (expansion, channels, repeats, stride) stages.
const STAGES: [(usize, usize, usize, usize); 7] = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
];
const STEM: usize = 32;
const LAST: usize = 1280;
/// Indices of the blocks whose outputs feed the pyramid (strides 4, 8, 16).
const TAPS: [usize; 3] = [2, 5, 9];

/// The 17 blocks of MobileNetV2 in order (`expanded_conv`, then `block_1` … `block_16`).
pub fn block_specs(variant: Variant) -> Vec<BlockSpec> {
    let mut specs = Vec::new();
    let mut input = variant.width(STEM);
    for (expansion, output, repeats, stride) in STAGES {
        let output = variant.width(output);
        for i in 0..repeats {
            specs.push(BlockSpec {
                input,
                output,
                expansion,
                stride: if i == 0 { stride } else { 1 },
            });
            input = output;
        }
    }
    specs
}

impl BlockSpec {
    pub fn init(self, device: &Device) -> InvertedResidual {
        let hidden = self.input * self.expansion;
        InvertedResidual {
            expand: (self.expansion != 1)
                .then(|| ConvSpec::pointwise(self.input, hidden, Act::Relu6).init(device)),
            depthwise: ConvSpec::depthwise(hidden, self.stride, true, Act::Relu6).init(device),
            project: ConvSpec::pointwise(hidden, self.output, Act::None).init(device),
            residual: self.stride == 1 && self.input == self.output,
        }
    }
}

/// A separable convolution: depthwise 3×3 without bias, then pointwise with bias and ReLU.
#[derive(Module, Debug)]
pub struct Separable {
    pub depthwise: ConvAct,
    pub pointwise: ConvAct,
}

impl Separable {
    fn init(input: usize, output: usize, device: &Device) -> Self {
        Self {
            depthwise: ConvSpec::depthwise(input, 1, false, Act::None).init(device),
            pointwise: ConvSpec::pointwise(input, output, Act::Relu).init(device),
        }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.pointwise.forward(self.depthwise.forward(x))
    }
}

/// A CenterNet head: separable conv to 96 channels (ReLU), then a 1×1 conv to the outputs.
#[derive(Module, Debug)]
pub struct Head {
    pub hidden: Separable,
    pub out: ConvAct,
}

impl Head {
    fn init(outputs: usize, device: &Device) -> Self {
        Self {
            hidden: Separable::init(PYRAMID[2], HEAD_HIDDEN, device),
            out: ConvSpec::pointwise(HEAD_HIDDEN, outputs, Act::None).init(device),
        }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.out.forward(self.hidden.forward(x))
    }
}

/// Pyramid widths after each merge, coarse to fine.
const PYRAMID: [usize; 3] = [32, 24, 24];
const HEAD_HIDDEN: usize = 96;

/// MultiPose's person-box heads.
#[derive(Module, Debug)]
pub struct BoxHeads {
    /// Box height and width in grid cells.
    pub scale: Head,
    /// Box centre offset from the cell, (y, x).
    pub offset: Head,
}

/// The raw head outputs at stride 4, NCHW.
pub struct Heads {
    /// Person-centre logits `[1, 1, h, w]`.
    pub center: Tensor<4>,
    /// Keypoint offsets from the centre, (y, x) pairs per keypoint `[1, 34, h, w]`.
    pub regress: Tensor<4>,
    /// Keypoint heatmap logits `[1, 17, h, w]`.
    pub heatmap: Tensor<4>,
    /// Sub-cell offsets, (y, x) pairs per keypoint `[1, 34, h, w]`.
    pub offset: Tensor<4>,
    /// MultiPose only: box (height, width) `[1, 2, h, w]` and box-centre offset `[1, 2, h, w]`.
    pub boxes: Option<[Tensor<4>; 2]>,
}

#[derive(Module, Debug)]
pub struct MoveNet {
    pub stem: ConvAct,
    pub blocks: Vec<InvertedResidual>,
    /// Conv_1: 320 → 1280, ReLU6.
    pub last: ConvAct,
    /// 1×1 lateral convs into the pyramid: from the last layer (1280 → 64) and from the
    /// taps at strides 16, 8, 4 (64, 32, 24 channels, unchanged widths).
    pub laterals: Vec<ConvAct>,
    /// After each merge: 64 → 32, 32 → 24, 24 → 24.
    pub merges: Vec<Separable>,
    pub heatmap: Head,
    pub regress: Head,
    pub center: Head,
    pub offset: Head,
    pub boxes: Option<BoxHeads>,
    #[module(skip)]
    pub variant: Variant,
}

/// Channel widths of the three taps at width 1.0, coarse to fine.
const TAP_WIDTHS: [usize; 3] = [64, 32, 24];
const TOP: usize = 64;

impl MoveNet {
    /// The architecture with untrained weights; load the shipped weights into it.
    pub fn init(variant: Variant, device: &Device) -> Self {
        // Laterals bring each tap to the pyramid's width at that level: [64, 32, 24].
        let laterals = std::iter::once(ConvSpec::pointwise(LAST, TOP, Act::None))
            .chain(TAP_WIDTHS.map(|c| ConvSpec::pointwise(variant.width(c), c, Act::None)))
            .map(|spec| spec.init(device))
            .collect();
        let merge_inputs = [TOP, PYRAMID[0], PYRAMID[1]];
        Self {
            stem: ConvSpec {
                input: 3,
                output: variant.width(STEM),
                kernel: 3,
                stride: 2,
                depthwise: false,
                bias: true,
                act: Act::Relu6,
            }
            .init(device),
            blocks: block_specs(variant)
                .into_iter()
                .map(|b| b.init(device))
                .collect(),
            last: ConvSpec::pointwise(variant.width(320), LAST, Act::Relu6).init(device),
            laterals,
            merges: merge_inputs
                .iter()
                .zip(PYRAMID)
                .map(|(&i, o)| Separable::init(i, o, device))
                .collect(),
            heatmap: Head::init(KEYPOINTS, device),
            regress: Head::init(2 * KEYPOINTS, device),
            center: Head::init(1, device),
            offset: Head::init(2 * KEYPOINTS, device),
            boxes: variant.has_boxes().then(|| BoxHeads {
                scale: Head::init(2, device),
                offset: Head::init(2, device),
            }),
            variant,
        }
    }

    /// Every convolution, in forward order (the graph's weight order).
    pub fn convs_mut(&mut self) -> Vec<&mut ConvAct> {
        let mut convs = vec![&mut self.stem];
        for block in &mut self.blocks {
            convs.extend(block.expand.as_mut());
            convs.push(&mut block.depthwise);
            convs.push(&mut block.project);
        }
        convs.push(&mut self.last);
        convs.extend(self.laterals.iter_mut());
        for sep in &mut self.merges {
            convs.push(&mut sep.depthwise);
            convs.push(&mut sep.pointwise);
        }
        let mut heads = vec![&mut self.center];
        if let Some(boxes) = self.boxes.as_mut() {
            heads.extend([&mut boxes.scale, &mut boxes.offset]);
        }
        heads.extend([&mut self.heatmap, &mut self.regress, &mut self.offset]);
        for head in heads {
            convs.push(&mut head.hidden.depthwise);
            convs.push(&mut head.hidden.pointwise);
            convs.push(&mut head.out);
        }
        convs
    }

    /// `input`: `[1, 3, H, W]` already normalised to [-1, 1] (see [`normalise`]).
    pub fn forward(&self, input: Tensor<4>) -> Heads {
        let mut x = self.stem.forward(input);
        let mut taps = Vec::with_capacity(TAPS.len());
        for (i, block) in self.blocks.iter().enumerate() {
            x = block.forward(x);
            if TAPS.contains(&i) {
                taps.push(x.clone());
            }
        }
        let mut y = self.laterals[0].forward(self.last.forward(x)); // [1, 64, h/32, w/32]
        // Finest tap last: merge coarse to fine.
        for ((tap, lateral), merge) in taps
            .into_iter()
            .rev()
            .zip(&self.laterals[1..])
            .zip(&self.merges)
        {
            let [_, _, h, w] = tap.dims();
            y = upsample(y, [h, w]) + lateral.forward(tap);
            y = merge.forward(y);
        }
        Heads {
            center: self.center.forward(y.clone()),
            regress: self.regress.forward(y.clone()),
            heatmap: self.heatmap.forward(y.clone()),
            boxes: self
                .boxes
                .as_ref()
                .map(|b| [b.scale.forward(y.clone()), b.offset.forward(y.clone())]),
            offset: self.offset.forward(y),
        }
    }
}

/// Bilinear ×2 with half-pixel centres (TF's `ResizeBilinear(half_pixel_centers=True)`).
fn upsample(x: Tensor<4>, size: [usize; 2]) -> Tensor<4> {
    interpolate(
        x,
        InterpolateOptions::new(InterpolateMode::Bilinear)
            .with_align_corners(false)
            .with_output_size(size),
    )
}

/// MoveNet's input scaling, with the graph's float16 constants: `x · (1/127.5) − 1` on
/// `[1, H, W, 3]` RGB 0–255, returned as NCHW.
pub fn normalise(rgb: Tensor<4>) -> Tensor<4> {
    (rgb * SCALE - 1.0).permute([0, 3, 1, 2])
}

/// 1/127.5 as the graph stores it (float16).
const SCALE: f32 = 257.0 / 32768.0;
