//! Burn models of microact and the code around them: frame pre-processing, weight loading and a
//! self-test for the compute device. Model code receives a `&Device` and never names a backend.

pub mod action;
pub mod frame;
pub mod kernels;
pub mod manifest;
pub mod pose;
pub mod readback;
pub mod selftest;
pub mod weights;

/// The Burn this crate was built with, so the app names one version of it.
pub use burn;
