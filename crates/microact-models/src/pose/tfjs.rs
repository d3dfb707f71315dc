//! Reading a TensorFlow.js graph model's weights (`model.json` manifest + `.bin` shards) and
//! putting them into the [`MoveNet`] modules by name. Used by the converter
//! (`microact-convert`), never by the page, which loads the converted Burn weights.
//!
//! TF.js stores weights in manifest order, concatenated; float16-quantised ones as 2 bytes each.
//! TF kernels are `[kh, kw, in, out]` (depthwise `[kh, kw, channels, 1]`); Burn's are
//! `[out, in / groups, kh, kw]`.

use std::collections::HashMap;

use burn::module::{Param, ParamId};
use burn::tensor::{Device, Tensor, TensorData};
use serde::Deserialize;

use super::net::{ConvAct, MoveNet};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TfjsError {
    #[error("model.json: {0}")]
    Manifest(String),
    #[error("weights end after {have} bytes, but the manifest needs {need}")]
    Truncated { have: usize, need: usize },
    #[error("weight {name:?} has dtype {dtype:?}, which the converter does not read")]
    Dtype { name: String, dtype: String },
    #[error("the graph has no weight {0:?}")]
    Missing(String),
    #[error("weight {name:?} has shape {found:?}; the layer needs {expected:?}")]
    Shape {
        name: String,
        found: Vec<usize>,
        expected: Vec<usize>,
    },
}

#[derive(Deserialize)]
struct Manifest {
    #[serde(rename = "weightsManifest")]
    weights_manifest: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    weights: Vec<Spec>,
}

#[derive(Deserialize)]
struct Spec {
    name: String,
    shape: Vec<usize>,
    dtype: String,
    quantization: Option<Quantization>,
}

#[derive(Deserialize)]
struct Quantization {
    dtype: String,
}

/// A graph's float weights by name (the `StatefulPartitionedCall/` prefix removed).
pub struct TfjsWeights {
    weights: HashMap<String, (Vec<usize>, Vec<f32>)>,
}

/// The prefix every MoveNet weight name carries in the converted graph.
const CALL: &str = "StatefulPartitionedCall/";

impl TfjsWeights {
    pub fn parse(model_json: &str, bin: &[u8]) -> Result<Self, TfjsError> {
        let manifest: Manifest =
            serde_json::from_str(model_json).map_err(|e| TfjsError::Manifest(e.to_string()))?;
        let mut weights = HashMap::new();
        let mut at = 0usize;
        for spec in manifest
            .weights_manifest
            .into_iter()
            .flat_map(|g| g.weights)
        {
            let count: usize = spec.shape.iter().product();
            let stored = spec
                .quantization
                .as_ref()
                .map_or(spec.dtype.as_str(), |q| q.dtype.as_str());
            let width = match stored {
                "float16" => 2,
                "float32" | "int32" => 4,
                other => {
                    return Err(TfjsError::Dtype {
                        name: spec.name,
                        dtype: other.to_string(),
                    });
                }
            };
            let need = at + count * width;
            let bytes = bin.get(at..need).ok_or(TfjsError::Truncated {
                have: bin.len(),
                need,
            })?;
            at = need;
            let values: Vec<f32> = match stored {
                "float16" => bytes
                    .chunks_exact(2)
                    .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
                    .collect(),
                "float32" => bytes
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect(),
                // Integer constants (shapes, indices) are not layer weights.
                _ => continue,
            };
            let name = spec
                .name
                .strip_prefix(CALL)
                .unwrap_or(&spec.name)
                .to_string();
            weights.insert(name, (spec.shape, values));
        }
        Ok(Self { weights })
    }

    fn get(&self, name: &str) -> Result<&(Vec<usize>, Vec<f32>), TfjsError> {
        self.weights
            .get(name)
            .ok_or_else(|| TfjsError::Missing(name.to_string()))
    }

    /// Sets one conv's kernel (and bias) from TF weights `kernel` and `bias`. Parameter ids are
    /// the layer's index (×2, +1 for the bias), so converting twice gives the same bytes.
    fn load_conv(
        &self,
        conv: &mut ConvAct,
        layer: u64,
        kernel: &str,
        bias: Option<&str>,
        device: &Device,
    ) -> Result<(), TfjsError> {
        let [out, per_group, kh, kw] = conv.conv.weight.dims();
        let depthwise = per_group == 1 && conv.conv.groups > 1;
        let (shape, values) = self.get(kernel)?;
        let expected = if depthwise {
            vec![kh, kw, out, 1]
        } else {
            vec![kh, kw, per_group, out]
        };
        if *shape != expected {
            return Err(TfjsError::Shape {
                name: kernel.to_string(),
                found: shape.clone(),
                expected,
            });
        }
        // [kh, kw, in, out] → [out, in, kh, kw]; depthwise [kh, kw, c, 1] → [c, 1, kh, kw].
        let tf = Tensor::<4>::from_data(TensorData::new(values.clone(), shape.clone()), device);
        let burn = if depthwise {
            tf.permute([2, 3, 0, 1])
        } else {
            tf.permute([3, 2, 0, 1])
        };
        conv.conv.weight = Param::initialized(ParamId::from(2 * layer), burn);
        if let Some(bias) = bias {
            let (shape, values) = self.get(bias)?;
            if *shape != [out] {
                return Err(TfjsError::Shape {
                    name: bias.to_string(),
                    found: shape.clone(),
                    expected: vec![out],
                });
            }
            conv.conv.bias = Some(Param::initialized(
                ParamId::from(2 * layer + 1),
                Tensor::from_data(TensorData::new(values.clone(), [out]), device),
            ));
        }
        Ok(())
    }

    /// The MoveNet SinglePose Lightning graph's weights in a [`MoveNet`].
    pub fn movenet(&self, device: &Device) -> Result<MoveNet, TfjsError> {
        let mut net = MoveNet::init(device);
        for (layer, (conv, kernel, bias)) in layer_names(&mut net).into_iter().enumerate() {
            self.load_conv(conv, layer as u64, &kernel, bias.as_deref(), device)?;
        }
        Ok(net)
    }
}

const BACKBONE: &str = "center_net_mobile_net_v2fpn_feature_extractor/model_1/model/";
const FPN: &str = "center_net_mobile_net_v2fpn_feature_extractor/model_1/";

/// Every conv of the network with the TF names of its kernel and bias.
fn layer_names(net: &mut MoveNet) -> Vec<(&mut ConvAct, String, Option<String>)> {
    let folded = |layer: &str, op: &str| {
        (
            format!("{BACKBONE}{layer}/{op}_weights"),
            Some(format!("{BACKBONE}{layer}/{op}_bn_offset")),
        )
    };
    let mut layers = Vec::new();
    let (k, b) = folded("Conv1", "Conv2D");
    layers.push((&mut net.stem, k, b));
    for (i, block) in net.blocks.iter_mut().enumerate() {
        let prefix = if i == 0 {
            "expanded_conv".to_string()
        } else {
            format!("block_{i}")
        };
        if let Some(expand) = block.expand.as_mut() {
            let (k, b) = folded(&format!("{prefix}_expand"), "Conv2D");
            layers.push((expand, k, b));
        }
        let (k, b) = folded(&format!("{prefix}_depthwise"), "depthwise");
        layers.push((&mut block.depthwise, k, b));
        let (k, b) = folded(&format!("{prefix}_project"), "Conv2D");
        layers.push((&mut block.project, k, b));
    }
    let (k, b) = folded("Conv_1", "Conv2D");
    layers.push((&mut net.last, k, b));
    for (i, lateral) in net.laterals.iter_mut().enumerate() {
        let name = if i == 0 {
            "conv2d".to_string()
        } else {
            format!("conv2d_{i}")
        };
        layers.push((
            lateral,
            format!("{FPN}{name}/Conv2D/ReadVariableOp"),
            Some(format!("{FPN}{name}/BiasAdd/ReadVariableOp")),
        ));
    }
    for (i, merge) in net.merges.iter_mut().enumerate() {
        let name = if i == 0 {
            "separable_conv2d".to_string()
        } else {
            format!("separable_conv2d_{i}")
        };
        let base = format!("{FPN}{name}/separable_conv2d");
        layers.push((&mut merge.depthwise, format!("{base}/ReadVariableOp"), None));
        layers.push((
            &mut merge.pointwise,
            format!("{base}_weights"),
            Some(format!("{base}_bn_offset")),
        ));
    }
    let heads = [
        (&mut net.center, "center_0", 3),
        (&mut net.heatmap, "kpt_heatmap_0", 4),
        (&mut net.regress, "kpt_regress_0", 5),
        (&mut net.offset, "kpt_offset_0", 6),
    ];
    for (head, name, n) in heads {
        let sep = format!("{name}/separable_conv2d_{n}");
        layers.push((
            &mut head.hidden.depthwise,
            format!("{sep}/separable_conv2d/ReadVariableOp"),
            None,
        ));
        layers.push((
            &mut head.hidden.pointwise,
            format!("{sep}/separable_conv2d/ReadVariableOp_1"),
            Some(format!("{sep}/BiasAdd/ReadVariableOp")),
        ));
        let out = format!("{name}/conv2d_{}", n + 1);
        layers.push((
            &mut head.out,
            format!("{out}/Conv2D/ReadVariableOp"),
            Some(format!("{out}/BiasAdd/ReadVariableOp")),
        ));
    }
    layers
}
