//! DD-Net (Yang et al., "Make Skeleton-based Action Recognition Model Smaller, Faster and
//! Better", 2019): three 1-D convolution branches over JCD, slow and fast motion, a shared
//! trunk, global max pooling and a small classifier. Layer for layer as the authors' Keras code.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::pool::{MaxPool1d, MaxPool1dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig1d,
};
use burn::tensor::activation::leaky_relu;
use burn::tensor::{Device, Distribution, Tensor};

use super::features::{Batch, pairs};

/// The network's shape.
#[derive(Config, Debug, PartialEq)]
pub struct DdNetConfig {
    /// Joints per frame (13 for the shared set, 15 for JHMDB's own).
    pub joints: usize,
    pub classes: usize,
    /// Frames per clip after resampling.
    #[config(default = 32)]
    pub frames: usize,
    /// Width: 16 (0.15 M parameters), 32 (0.5 M) or 64 (1.8 M) in the paper.
    #[config(default = 32)]
    pub filters: usize,
    /// Channel (spatial) dropout in the convolution branches.
    #[config(default = 0.1)]
    pub channel_dropout: f64,
    /// Dropout before each classifier layer.
    #[config(default = 0.5)]
    pub dropout: f64,
    #[config(default = 128)]
    pub hidden: usize,
}

/// Convolution (no bias), batch norm, leaky ReLU (0.2).
#[derive(Module, Debug)]
pub struct ConvBn {
    conv: Conv1d,
    norm: BatchNorm,
}

impl ConvBn {
    fn new(input: usize, output: usize, kernel: usize, device: &Device) -> ConvBn {
        ConvBn {
            conv: Conv1dConfig::new(input, output, kernel)
                .with_padding(PaddingConfig1d::Same)
                .with_bias(false)
                .init(device),
            norm: BatchNormConfig::new(output).init(device),
        }
    }

    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        leaky_relu(self.norm.forward(self.conv.forward(x)), 0.2)
    }
}

/// Dropout of whole channels (Keras's `SpatialDropout1D`) while training.
#[derive(Module, Debug)]
pub struct ChannelDropout {
    prob: f64,
}

impl ChannelDropout {
    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        if self.prob <= 0.0 || !x.device().is_autodiff() {
            return x;
        }
        let [batch, channels, _] = x.dims();
        let keep = 1.0 - self.prob;
        let mask = Tensor::<3>::random(
            [batch, channels, 1],
            Distribution::Bernoulli(keep),
            &x.device(),
        );
        x * mask / keep
    }
}

/// One input branch: 1×1 to 2F, 3 to F, 1×1 to F, optionally halving the length.
#[derive(Module, Debug)]
pub struct Branch {
    convs: Vec<ConvBn>,
    pool: Option<MaxPool1d>,
    drop: ChannelDropout,
}

impl Branch {
    fn new(input: usize, filters: usize, pool: bool, drop: f64, device: &Device) -> Branch {
        Branch {
            convs: vec![
                ConvBn::new(input, 2 * filters, 1, device),
                ConvBn::new(2 * filters, filters, 3, device),
                ConvBn::new(filters, filters, 1, device),
            ],
            pool: pool.then(|| MaxPool1dConfig::new(2).with_stride(2).init()),
            drop: ChannelDropout { prob: drop },
        }
    }

    fn forward(&self, mut x: Tensor<3>) -> Tensor<3> {
        for conv in &self.convs {
            x = self.drop.forward(conv.forward(x));
        }
        match &self.pool {
            Some(pool) => self.drop.forward(pool.forward(x)),
            None => x,
        }
    }
}

/// Linear (no bias), batch norm, leaky ReLU, dropout.
#[derive(Module, Debug)]
pub struct DenseBn {
    linear: Linear,
    norm: BatchNorm,
    drop: Dropout,
}

impl DenseBn {
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        self.drop
            .forward(leaky_relu(self.norm.forward(self.linear.forward(x)), 0.2))
    }
}

#[derive(Module, Debug)]
pub struct DdNet {
    jcd: Branch,
    slow: Branch,
    fast: Branch,
    /// Three blocks of two 3-wide convolutions at 2F, 4F and 8F channels.
    blocks: Vec<[ConvBn; 2]>,
    pool: MaxPool1d,
    drop: ChannelDropout,
    dense: Vec<DenseBn>,
    head: Linear,
}

impl DdNetConfig {
    pub fn init(&self, device: &Device) -> DdNet {
        let f = self.filters;
        let motion = 2 * self.joints;
        let cd = self.channel_dropout;
        let widths = [(3 * f, 2 * f), (2 * f, 4 * f), (4 * f, 8 * f)];
        DdNet {
            jcd: Branch::new(pairs(self.joints), f, true, cd, device),
            slow: Branch::new(motion, f, true, cd, device),
            fast: Branch::new(motion, f, false, cd, device),
            blocks: widths
                .iter()
                .map(|&(i, o)| [ConvBn::new(i, o, 3, device), ConvBn::new(o, o, 3, device)])
                .collect(),
            pool: MaxPool1dConfig::new(2).with_stride(2).init(),
            drop: ChannelDropout { prob: cd },
            dense: [8 * f, self.hidden]
                .iter()
                .map(|&input| DenseBn {
                    linear: LinearConfig::new(input, self.hidden)
                        .with_bias(false)
                        .init(device),
                    norm: BatchNormConfig::new(self.hidden).init(device),
                    drop: DropoutConfig::new(self.dropout).init(),
                })
                .collect(),
            head: LinearConfig::new(self.hidden, self.classes).init(device),
        }
    }
}

impl DdNet {
    /// Class logits `[batch, classes]`.
    pub fn forward(&self, batch: Batch) -> Tensor<2> {
        self.head.forward(self.embed(batch, self.dense.len()))
    }

    /// The clip's features before the classifier: the pooled convolution features (`8·filters`
    /// wide) after `dense` of the fully connected layers (0 up to 2; `hidden` wide after one).
    pub fn embed(&self, batch: Batch, dense: usize) -> Tensor<2> {
        let x = Tensor::cat(
            vec![
                self.jcd.forward(batch.jcd),
                self.slow.forward(batch.slow),
                self.fast.forward(batch.fast),
            ],
            1,
        );
        let last = self.blocks.len() - 1;
        let mut x = x;
        for (i, [a, b]) in self.blocks.iter().enumerate() {
            x = b.forward(a.forward(x));
            if i < last {
                x = self.pool.forward(x);
            }
            x = self.drop.forward(x);
        }
        let [batch, channels, _] = x.dims();
        let mut x = x.max_dim(2).reshape([batch, channels]);
        for layer in self.dense.iter().take(dense) {
            x = layer.forward(x);
        }
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::features::ddnet_features;
    use crate::action::joints::Layout;
    use crate::action::sequence::Sequence;

    #[test]
    fn parameter_counts_match_the_paper() {
        let device = Device::flex();
        // The paper's JHMDB models: 15 joints, 0.50 M (filters 32) and 1.82 M (filters 64).
        let count = |filters| {
            DdNetConfig::new(15, 21)
                .with_filters(filters)
                .init(&device)
                .num_params()
        };
        let (small, large) = (count(32), count(64));
        assert!((480_000..510_000).contains(&small), "{small}");
        assert!((1_780_000..1_840_000).contains(&large), "{large}");
    }

    #[test]
    fn forward_gives_logits_per_clip() {
        let device = Device::flex();
        let net = DdNetConfig::new(13, 15).with_filters(8).init(&device);
        let clips: Vec<_> = (0..3)
            .map(|c| {
                let xy = (0..40 * 13)
                    .map(|i| [(i % 13) as f32 + c as f32, (i / 13) as f32 * 0.1])
                    .collect();
                let seq = Sequence::new(Layout::Penn13, xy, vec![1.0; 520])
                    .unwrap()
                    .resample(32);
                ddnet_features(&seq)
            })
            .collect();
        let logits = net.forward(Batch::new(&clips, &device).unwrap());
        assert_eq!(logits.dims(), [3, 15]);
        let values: Vec<f32> = logits.into_data().try_to_vec().unwrap();
        assert!(values.iter().all(|v| v.is_finite()));
    }
}
