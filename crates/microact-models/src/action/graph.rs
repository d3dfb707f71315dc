//! A small adaptive graph convolution network (ST-GCN, Yan et al. 2018, with the learned
//! adjacency of 2s-AGCN, Shi et al. 2019) to compare with DD-Net: per block a graph step over
//! the joints (skeleton adjacency, normalised, plus a learned offset), a 9-frame temporal
//! convolution, batch norms and a residual.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d,
};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};

use super::features::Batch;
use super::joints::Layout;

#[derive(Config, Debug, PartialEq)]
pub struct GraphNetConfig {
    /// The skeleton the network sees (its joints and bones).
    pub layout: Layout,
    pub classes: usize,
    /// Output channels and temporal stride of each block.
    #[config(default = "vec![(32, 1), (64, 2), (64, 1), (128, 2), (128, 1)]")]
    pub blocks: Vec<(usize, usize)>,
    #[config(default = 0.3)]
    pub dropout: f64,
}

/// `D^-1/2 (A + I) D^-1/2` of the layout's bones.
fn normalised_adjacency(layout: Layout) -> Vec<f32> {
    let n = layout.joints();
    let mut a = vec![0.0f32; n * n];
    for i in 0..n {
        a[i * n + i] = 1.0;
    }
    for &(i, j) in layout.edges() {
        a[i * n + j] = 1.0;
        a[j * n + i] = 1.0;
    }
    let degree: Vec<f32> = (0..n)
        .map(|i| a[i * n..(i + 1) * n].iter().sum::<f32>().sqrt())
        .collect();
    (0..n * n)
        .map(|k| a[k] / (degree[k / n] * degree[k % n]))
        .collect()
}

#[derive(Module, Debug)]
pub struct GraphBlock {
    /// Joint mixing `[joints, joints]`, initialised to the normalised skeleton, learned.
    adjacency: Param<Tensor<2>>,
    spatial: Conv2d,
    spatial_norm: BatchNorm,
    temporal: Conv2d,
    temporal_norm: BatchNorm,
    residual: Option<Conv2d>,
}

impl GraphBlock {
    fn new(
        layout: Layout,
        input: usize,
        output: usize,
        stride: usize,
        device: &Device,
    ) -> GraphBlock {
        let n = layout.joints();
        let adjacency = Tensor::<2>::from_data(
            TensorData::new(normalised_adjacency(layout), [n, n]),
            device,
        );
        GraphBlock {
            adjacency: Param::from_tensor(adjacency),
            spatial: Conv2dConfig::new([input, output], [1, 1]).init(device),
            spatial_norm: BatchNormConfig::new(output).init(device),
            temporal: Conv2dConfig::new([output, output], [9, 1])
                .with_stride([stride, 1])
                .with_padding(PaddingConfig2d::Explicit(4, 0, 4, 0))
                .init(device),
            temporal_norm: BatchNormConfig::new(output).init(device),
            residual: (input != output || stride != 1).then(|| {
                Conv2dConfig::new([input, output], [1, 1])
                    .with_stride([stride, 1])
                    .init(device)
            }),
        }
    }

    /// `[batch, channels, frames, joints]` → `[batch, output, frames / stride, joints]`
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [b, c, t, j] = x.dims();
        let mixed = x
            .clone()
            .reshape([b * c * t, j])
            .matmul(self.adjacency.val())
            .reshape([b, c, t, j]);
        let y = relu(self.spatial_norm.forward(self.spatial.forward(mixed)));
        let y = self.temporal_norm.forward(self.temporal.forward(y));
        let skip = match &self.residual {
            Some(conv) => conv.forward(x),
            None => x,
        };
        relu(y + skip)
    }
}

#[derive(Module, Debug)]
pub struct GraphNet {
    input_norm: BatchNorm,
    blocks: Vec<GraphBlock>,
    drop: Dropout,
    head: Linear,
}

impl GraphNetConfig {
    pub fn init(&self, device: &Device) -> GraphNet {
        let mut input = 4;
        let blocks = self
            .blocks
            .iter()
            .map(|&(output, stride)| {
                let block = GraphBlock::new(self.layout, input, output, stride, device);
                input = output;
                block
            })
            .collect();
        GraphNet {
            input_norm: BatchNormConfig::new(4).init(device),
            blocks,
            drop: DropoutConfig::new(self.dropout).init(),
            head: LinearConfig::new(input, self.classes).init(device),
        }
    }
}

impl GraphNet {
    /// Class logits `[batch, classes]` from the batch's `pose` tensor.
    pub fn forward(&self, batch: Batch) -> Tensor<2> {
        let mut x = self.input_norm.forward(batch.pose);
        for block in &self.blocks {
            x = block.forward(x);
        }
        let [b, c, t, j] = x.dims();
        let pooled = x.reshape([b, c, t * j]).mean_dim(2).reshape([b, c]);
        self.head.forward(self.drop.forward(pooled))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::features::ddnet_features;
    use crate::action::sequence::Sequence;

    #[test]
    fn adjacency_is_symmetric_and_normalised() {
        let a = normalised_adjacency(Layout::Penn13);
        for i in 0..13 {
            for j in 0..13 {
                assert_eq!(a[i * 13 + j], a[j * 13 + i]);
            }
        }
        // Head: itself and two shoulders (degree 3); left shoulder: head, right shoulder,
        // elbow, hip and itself (degree 5).
        assert!((a[0] - 1.0 / 3.0).abs() < 1e-6);
        assert!((a[1] - 1.0 / 15f32.sqrt()).abs() < 1e-6);
        assert_eq!(a[5], 0.0);
    }

    #[test]
    fn forward_gives_logits_and_stays_under_half_a_million_parameters() {
        let device = Device::flex();
        let net = GraphNetConfig::new(Layout::Penn13, 15).init(&device);
        assert!(net.num_params() < 500_000, "{}", net.num_params());
        let xy = (0..40 * 13)
            .map(|i| [(i % 13) as f32, (i / 13) as f32 * 0.1])
            .collect();
        let seq = Sequence::new(Layout::Penn13, xy, vec![1.0; 520])
            .unwrap()
            .resample(32);
        let f = ddnet_features(&seq);
        let logits = net.forward(Batch::new(&[f.clone(), f], &device).unwrap());
        assert_eq!(logits.dims(), [2, 15]);
    }
}
