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

use super::net::{ConvAct, MoveNet, Variant};

#[derive(Debug, thiserror::Error)]
pub enum TfjsError {
    #[error("model.json: {0}")]
    Manifest(#[from] serde_json::Error),
    #[error("model.json: the network has {convs} convolutions but {names} are named")]
    Names { convs: usize, names: usize },
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
        let manifest: Manifest = serde_json::from_str(model_json)?;
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

    /// Which MoveNet graph these weights are from: MultiPose has person-box heads.
    pub fn variant(&self) -> Variant {
        if self
            .weights
            .contains_key("box_scale_0/conv2d_5/Conv2D/ReadVariableOp")
        {
            Variant::MultiPoseLightning
        } else {
            Variant::SinglePoseLightning
        }
    }

    /// The weights of the MoveNet graph `variant` in a [`MoveNet`].
    pub fn movenet(&self, variant: Variant, device: &Device) -> Result<MoveNet, TfjsError> {
        let mut net = MoveNet::init(variant, device);
        let names = layer_names(&net);
        let convs = net.convs_mut();
        if convs.len() != names.len() {
            return Err(TfjsError::Names {
                convs: convs.len(),
                names: names.len(),
            });
        }
        for (layer, (conv, (kernel, bias))) in convs.into_iter().zip(names).enumerate() {
            self.load_conv(conv, layer as u64, &kernel, bias.as_deref(), device)?;
        }
        Ok(net)
    }
}

const BACKBONE: &str = "center_net_mobile_net_v2fpn_feature_extractor/model_1/model/";
const FPN: &str = "center_net_mobile_net_v2fpn_feature_extractor/model_1/";

/// The TF names of every conv's kernel and bias, in [`MoveNet::convs_mut`]'s order.
fn layer_names(net: &MoveNet) -> Vec<(String, Option<String>)> {
    let folded = |layer: &str, op: &str| {
        (
            format!("{BACKBONE}{layer}/{op}_weights"),
            Some(format!("{BACKBONE}{layer}/{op}_bn_offset")),
        )
    };
    let mut layers = vec![folded("Conv1", "Conv2D")];
    for (i, block) in net.blocks.iter().enumerate() {
        let prefix = if i == 0 {
            "expanded_conv".to_string()
        } else {
            format!("block_{i}")
        };
        if block.expand.is_some() {
            layers.push(folded(&format!("{prefix}_expand"), "Conv2D"));
        }
        layers.push(folded(&format!("{prefix}_depthwise"), "depthwise"));
        layers.push(folded(&format!("{prefix}_project"), "Conv2D"));
    }
    layers.push(folded("Conv_1", "Conv2D"));
    let numbered = |base: &str, i: usize| {
        if i == 0 {
            base.to_string()
        } else {
            format!("{base}_{i}")
        }
    };
    for i in 0..net.laterals.len() {
        let name = numbered("conv2d", i);
        layers.push((
            format!("{FPN}{name}/Conv2D/ReadVariableOp"),
            Some(format!("{FPN}{name}/BiasAdd/ReadVariableOp")),
        ));
    }
    for i in 0..net.merges.len() {
        let base = format!("{FPN}{}/separable_conv2d", numbered("separable_conv2d", i));
        layers.push((format!("{base}/ReadVariableOp"), None));
        layers.push((format!("{base}_weights"), Some(format!("{base}_bn_offset"))));
    }
    // Heads in the graph's order; their separable convs are numbered from 3 on.
    let mut heads = vec!["center_0"];
    if net.boxes.is_some() {
        heads.extend(["box_scale_0", "box_offset_0"]);
    }
    heads.extend(["kpt_heatmap_0", "kpt_regress_0", "kpt_offset_0"]);
    for (i, name) in heads.into_iter().enumerate() {
        let n = 3 + i;
        let sep = format!("{name}/separable_conv2d_{n}");
        layers.push((format!("{sep}/separable_conv2d/ReadVariableOp"), None));
        layers.push((
            format!("{sep}/separable_conv2d/ReadVariableOp_1"),
            Some(format!("{sep}/BiasAdd/ReadVariableOp")),
        ));
        let out = format!("{name}/conv2d_{}", n + 1);
        layers.push((
            format!("{out}/Conv2D/ReadVariableOp"),
            Some(format!("{out}/BiasAdd/ReadVariableOp")),
        ));
    }
    layers
}
