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

/// The kinds of work in a forward pass, as a profile counts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    /// 1×1 convolutions (expand, project, laterals, head outputs).
    Pointwise,
    /// 3×3 depthwise convolutions.
    Depthwise,
    /// Full 3×3 convolutions (the stem).
    Conv,
    /// Bilinear ×2 upsampling in the pyramid.
    Resize,
    /// Activations and adds (residuals, pyramid merges).
    Elementwise,
}

impl OpKind {
    pub const ALL: [OpKind; 5] = [
        OpKind::Pointwise,
        OpKind::Depthwise,
        OpKind::Conv,
        OpKind::Resize,
        OpKind::Elementwise,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OpKind::Pointwise => "1×1 pointwise conv",
            OpKind::Depthwise => "3×3 depthwise conv",
            OpKind::Conv => "full 3×3 conv",
            OpKind::Resize => "resize (bilinear ×2)",
            OpKind::Elementwise => "elementwise (activations, adds)",
        }
    }
}

/// Sees each operation of a forward pass as it runs: a profiler times them (on a backend that
/// runs operations as they come, such as the CPU's); `()` only runs them.
pub trait Probe {
    fn run<T>(&mut self, kind: OpKind, op: impl FnOnce() -> T) -> T;
}

impl Probe for () {
    fn run<T>(&mut self, _: OpKind, op: impl FnOnce() -> T) -> T {
        op()
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
    pub fn kind(&self) -> OpKind {
        if self.conv.groups > 1 {
            OpKind::Depthwise
        } else if self.conv.kernel_size == [1, 1] {
            OpKind::Pointwise
        } else {
            OpKind::Conv
        }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.forward_probed(x, &mut ())
    }

    pub fn forward_probed(&self, x: Tensor<4>, p: &mut impl Probe) -> Tensor<4> {
        let y = p.run(self.kind(), || self.conv.forward(x));
        match self.act {
            Act::None => y,
            act => p.run(OpKind::Elementwise, || act.apply(y)),
        }
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
        self.forward_probed(x, &mut ())
    }

    pub fn forward_probed(&self, x: Tensor<4>, p: &mut impl Probe) -> Tensor<4> {
        let y = match &self.expand {
            Some(expand) => expand.forward_probed(x.clone(), p),
            None => x.clone(),
        };
        let y = self.depthwise.forward_probed(y, p);
        let y = self.project.forward_probed(y, p);
        if self.residual {
            p.run(OpKind::Elementwise, || x + y)
        } else {
            y
        }
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
pub(super) const TAPS: [usize; 3] = [2, 5, 9];

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

    pub fn forward_probed(&self, x: Tensor<4>, p: &mut impl Probe) -> Tensor<4> {
        let y = self.depthwise.forward_probed(x, p);
        self.pointwise.forward_probed(y, p)
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

    pub fn forward_probed(&self, x: Tensor<4>, p: &mut impl Probe) -> Tensor<4> {
        let y = self.hidden.forward_probed(x, p);
        self.out.forward_probed(y, p)
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
        self.forward_probed(input, &mut ())
    }

    /// [`Self::forward`], each operation run through `p` (a profiler).
    pub fn forward_probed(&self, input: Tensor<4>, p: &mut impl Probe) -> Heads {
        let mut x = self.stem.forward_probed(input, p);
        let mut taps = Vec::with_capacity(TAPS.len());
        for (i, block) in self.blocks.iter().enumerate() {
            x = block.forward_probed(x, p);
            if TAPS.contains(&i) {
                taps.push(x.clone());
            }
        }
        let x = self.last.forward_probed(x, p);
        let mut y = self.laterals[0].forward_probed(x, p); // [1, 64, h/32, w/32]
        // Finest tap last: merge coarse to fine.
        for ((tap, lateral), merge) in taps
            .into_iter()
            .rev()
            .zip(&self.laterals[1..])
            .zip(&self.merges)
        {
            let [_, _, h, w] = tap.dims();
            let up = p.run(OpKind::Resize, || upsample(y, [h, w]));
            let side = lateral.forward_probed(tap, p);
            y = p.run(OpKind::Elementwise, || up + side);
            y = merge.forward_probed(y, p);
        }
        Heads {
            center: self.center.forward_probed(y.clone(), p),
            regress: self.regress.forward_probed(y.clone(), p),
            heatmap: self.heatmap.forward_probed(y.clone(), p),
            boxes: self.boxes.as_ref().map(|b| {
                [
                    b.scale.forward_probed(y.clone(), p),
                    b.offset.forward_probed(y.clone(), p),
                ]
            }),
            offset: self.offset.forward_probed(y, p),
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
pub(super) const SCALE: f32 = 257.0 / 32768.0;

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;

    /// Counts what a probe is shown.
    #[derive(Default)]
    struct Count([usize; 5]);

    impl Probe for Count {
        fn run<T>(&mut self, kind: OpKind, op: impl FnOnce() -> T) -> T {
            self.0[OpKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)] += 1;
            op()
        }
    }

    #[test]
    fn a_probe_sees_every_operation_and_changes_nothing() {
        let device = Device::flex();
        let net = MoveNet::init(Variant::MultiPoseLightning, &device);
        let input = Tensor::<4>::random([1, 3, 64, 64], Distribution::Uniform(-1.0, 1.0), &device);
        let plain = net.forward(input.clone());
        let mut count = Count::default();
        let probed = net.forward_probed(input, &mut count);
        let depthwise = net.blocks.len() + net.merges.len() + 6;
        let [pointwise, dw, conv, resize, _] = count.0;
        assert_eq!((dw, conv, resize), (depthwise, 1, 3));
        let expands = net.blocks.iter().filter(|b| b.expand.is_some()).count();
        // Expand and project per block, the last layer, 4 laterals, the merges' and 6 heads'
        // pointwise hidden layers and outputs.
        assert_eq!(
            pointwise,
            expands + net.blocks.len() + 1 + 4 + net.merges.len() + 12
        );
        let same = |a: Tensor<4>, b: Tensor<4>| a.into_data().assert_eq(&b.into_data(), true);
        same(plain.center, probed.center);
        same(plain.heatmap, probed.heatmap);
    }
}
