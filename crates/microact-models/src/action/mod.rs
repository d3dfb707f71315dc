//! Skeleton action recognition: joint layouts, the stages that prepare a pose sequence, DD-Net's
//! features and network, and (with the `train` feature) dataset readers and training.

pub mod augment;
#[cfg(feature = "train")]
pub mod card;
#[cfg(feature = "train")]
pub mod datasets;
pub mod ddnet;
pub mod features;
pub mod fewshot;
pub mod graph;
pub mod joints;
pub mod pipeline;
pub mod recognizer;
pub mod segments;
pub mod sequence;
pub mod stream;
#[cfg(feature = "train")]
pub mod train;

pub use augment::Augment;
pub use ddnet::{DdNet, DdNetConfig};
pub use features::{Batch, Features, ddnet_features};
pub use joints::{Layout, SHARED_JOINTS};
pub use pipeline::Pipeline;
pub use recognizer::{Classifier, RecognizerSpec};
pub use sequence::Sequence;
