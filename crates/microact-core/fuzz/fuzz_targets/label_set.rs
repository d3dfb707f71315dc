#![no_main]
//! Label sets typed or pasted by users, as indented text and as JSON.

use libfuzzer_sys::fuzz_target;
use microact_core::labels::LabelSet;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = LabelSet::from_text("fuzz", "fuzz", text);
        let _ = LabelSet::from_json(text);
    }
});
