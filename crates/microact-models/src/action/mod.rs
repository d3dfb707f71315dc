//! Skeleton action recognition: joint layouts, the stages that prepare a pose sequence, DD-Net's
//! features and network, and (with the `train` feature) dataset readers and training.

pub mod augment;
pub mod ddnet;
pub mod features;
pub mod joints;
pub mod sequence;

pub use augment::Augment;
pub use ddnet::{DdNet, DdNetConfig};
pub use features::{Batch, Features, ddnet_features};
pub use joints::{Layout, SHARED_JOINTS};
pub use sequence::Sequence;
