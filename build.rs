//! Link flags for the wasm modules only (the page and the engine; native builds are untouched).
//!
//! A cdylib keeps its `name` section (function names, ~9 MB of the download). `--strip-all`
//! drops it; the custom sections wasm-bindgen reads after the link are kept by name.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        for arg in [
            "--strip-all",
            "--keep-section=target_features",
            "--keep-section=__wasm_bindgen_unstable",
            "--keep-section=__wasm_split_unstable",
        ] {
            println!("cargo:rustc-link-arg-cdylib={arg}");
        }
    }
}
