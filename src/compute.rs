//! The one place that names compute backends. Everything else receives a `Device`.

use std::cell::RefCell;

use microact_models::burn::tensor::Device;

pub use microact_protocol::Backend;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ComputeError {
    #[error("this browser offers no WebGPU (navigator.gpu is missing or disabled)")]
    NoWebGpu,
    #[error("WebGPU gave no usable device: {0}")]
    WebGpuInit(String),
}

thread_local! {
    /// wgpu's runtime initialises once per page; switching back to WebGPU reuses it.
    static WEBGPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

/// A device of `backend`. `webgpu_present` is whether the browser exposes `navigator.gpu`.
pub async fn acquire(backend: Backend, webgpu_present: bool) -> Result<Device, ComputeError> {
    match backend {
        Backend::Cpu => Ok(Device::flex()),
        Backend::WebGpu => {
            if let Some(device) = WEBGPU.with_borrow(Clone::clone) {
                return Ok(device);
            }
            if !webgpu_present {
                return Err(ComputeError::NoWebGpu);
            }
            let device = Device::wgpu_options()
                .init_async()
                .await
                .map_err(|e| ComputeError::WebGpuInit(e.to_string()))?;
            WEBGPU.set(Some(device.clone()));
            Ok(device)
        }
    }
}

/// The CPU device, for work that must not run on the GPU (expanding int8 weights, which Burn's
/// WebGPU backend cannot dequantize).
pub fn cpu_device() -> Device {
    Device::flex()
}

/// The device to start with: WebGPU when it yields one, else the CPU, with the reason WebGPU
/// was passed over.
pub async fn choose(webgpu_present: bool) -> (Backend, Device, Option<ComputeError>) {
    match acquire(Backend::WebGpu, webgpu_present).await {
        Ok(device) => (Backend::WebGpu, device, None),
        Err(reason) => (Backend::Cpu, Device::flex(), Some(reason)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use microact_models::burn::tensor::read_sync;

    #[test]
    fn without_webgpu_the_cpu_is_chosen_and_why_is_said() {
        let (backend, _device, reason) = read_sync(choose(false));
        assert_eq!(backend, Backend::Cpu);
        assert_eq!(reason, Some(ComputeError::NoWebGpu));
    }

    #[test]
    fn cpu_device_runs_the_self_test() {
        let device = read_sync(acquire(Backend::Cpu, false)).unwrap();
        let report = read_sync(microact_models::selftest::run(&device)).unwrap();
        assert!(report.passed(), "{report:?}");
    }
}
