//! The one place in the engine that names compute backends. Everything else receives a `Device`.

use std::collections::HashMap;

use microact_models::burn::tensor::Device;
use microact_models::burn::tensor::wgpu::WgpuInitError;
use microact_protocol::Backend;

#[derive(Debug, thiserror::Error)]
pub enum ComputeError {
    #[error("WebGPU gave no usable device: {0}")]
    WebGpuInit(#[from] WgpuInitError),
}

/// The devices acquired so far (wgpu's runtime initialises once per worker).
#[derive(Default)]
pub struct Devices(HashMap<Backend, Device>);

impl Devices {
    /// A device of `backend`.
    pub async fn get(&mut self, backend: Backend) -> Result<Device, ComputeError> {
        if let Some(device) = self.0.get(&backend) {
            return Ok(device.clone());
        }
        let device = match backend {
            Backend::Cpu => Device::flex(),
            Backend::WebGpu => Device::wgpu_options().init_async().await?,
        };
        self.0.insert(backend, device.clone());
        Ok(device)
    }
}

/// The CPU device, for work that must not run on the GPU (expanding int8 weights, which Burn's
/// WebGPU backend cannot dequantize).
pub fn cpu_device() -> Device {
    Device::flex()
}

#[cfg(test)]
mod tests {
    use super::*;
    use microact_models::burn::tensor::read_sync;

    #[test]
    fn the_cpu_device_runs_the_self_test() {
        let device = read_sync(Devices::default().get(Backend::Cpu)).unwrap();
        let report = read_sync(microact_models::selftest::run(&device)).unwrap();
        assert!(report.passed(), "{report:?}");
    }
}
