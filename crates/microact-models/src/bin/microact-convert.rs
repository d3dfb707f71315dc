//! Converts Google's MoveNet TF.js graph weights (SinglePose or MultiPose Lightning, told apart
//! by the graph's box heads) into the Burn weights the app ships.
//!
//! `cargo run --release -p microact-models --bin microact-convert -- MODEL.json MODEL.bin OUT.bpk [--q8]`
//!
//! `--q8` writes the int8-quantized variant instead (see `weights::quantize_movenet`).
//!
//! Deterministic: the same inputs give the same bytes. Prints the output's size and sha256 for
//! `models/manifest.json`.

use std::process::ExitCode;

use microact_models::burn::tensor::Device;
use microact_models::pose::tfjs::TfjsWeights;
use microact_models::pose::weights::{quantize_movenet, save_movenet, sha256_hex};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (q8, paths): (Vec<&String>, Vec<&String>) = args.iter().partition(|a| *a == "--q8");
    let [json, bin, out] = paths.as_slice() else {
        eprintln!("usage: microact-convert MODEL.json MODEL.bin OUT.bpk [--q8]");
        return ExitCode::FAILURE;
    };
    match convert(json, bin, out, !q8.is_empty()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("microact-convert: {message}");
            ExitCode::FAILURE
        }
    }
}

fn convert(json: &str, bin: &str, out: &str, q8: bool) -> Result<(), String> {
    let text = std::fs::read_to_string(json).map_err(|e| format!("{json}: {e}"))?;
    let bytes = std::fs::read(bin).map_err(|e| format!("{bin}: {e}"))?;
    let weights = TfjsWeights::parse(&text, &bytes).map_err(|e| e.to_string())?;
    let net = weights
        .movenet(weights.variant(), &Device::flex())
        .map_err(|e| e.to_string())?;
    let net = if q8 { quantize_movenet(net) } else { net };
    let packed = save_movenet(&net).map_err(|e| e.to_string())?;
    std::fs::write(out, &packed).map_err(|e| format!("{out}: {e}"))?;
    println!(
        "{out}: {} bytes, sha256 {}",
        packed.len(),
        sha256_hex(&packed)
    );
    Ok(())
}
