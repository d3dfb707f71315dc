//! The wgpu backend computes the self-test correctly natively (Mesa lavapipe on CI machines, a
//! real GPU where there is one). scripts/install.sh installs lavapipe.

use microact_models::burn::{self, tensor::Device};
use microact_models::selftest;

#[test]
fn wgpu_device_passes_the_self_test() {
    let device = match Device::wgpu_options().init() {
        Ok(device) => device,
        Err(e) => panic!(
            "no wgpu adapter ({e}); install a Vulkan driver (Debian: mesa-vulkan-drivers) — \
             scripts/install.sh does"
        ),
    };
    let report = burn::tensor::read_sync(selftest::run(&device)).expect("self-test readback");
    assert!(report.passed(), "{report:?}");
}
