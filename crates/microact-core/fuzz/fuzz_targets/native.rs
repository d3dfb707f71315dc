#![no_main]
//! The native project file importer must turn any bytes into a project or an error.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = microact_core::formats::native::import(text);
    }
});
