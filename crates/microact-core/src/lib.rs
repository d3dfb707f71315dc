//! The annotation model of microact: what a person labels, independent of any UI or model.
//!
//! Time is an integer frame index on a video's [`time::FrameRate`]; seconds exist only at the
//! edges (display, export, seeking a media element).

pub mod edit;
pub mod formats;
pub mod geometry;
pub mod labels;
pub mod manifest;
pub mod metrics;
pub mod model;
pub mod query;
pub mod sample;
pub mod taught;
pub mod time;
pub mod validate;
