//! Files a person picks or drops.

use leptos::ev::{DragEvent, Event};
use wasm_bindgen::JsCast;
use web_sys::{File, FileList, HtmlInputElement, Url};

/// A file from the picker or a drop: its name, size and type, and a handle to read it by.
#[derive(Clone)]
pub struct PickedFile {
    pub name: String,
    pub bytes: u64,
    pub mime: String,
    file: File,
}

impl PickedFile {
    /// What the page says when the browser cannot read this file.
    pub(crate) fn read_error(&self, e: &wasm_bindgen::JsValue) -> String {
        format!(
            "{} could not be read: {}",
            self.name,
            super::js_error_text(e)
        )
    }

    fn new(file: File) -> Self {
        Self {
            name: file.name(),
            bytes: file.size() as u64,
            mime: file.type_(),
            file,
        }
    }

    pub(crate) fn file(&self) -> &File {
        &self.file
    }

    /// The file itself (to hand to the engine, which reads it there).
    pub fn blob(&self) -> web_sys::Blob {
        self.file.clone().into()
    }

    /// A `blob:` URL the video element can play from; revoke it with [`revoke_url`].
    pub fn object_url(&self) -> Result<String, String> {
        Url::create_object_url_with_blob(&self.file).map_err(|e| super::js_error_text(&e))
    }
}

/// Bytes read at a time while hashing (keeps memory flat for large clips).
const HASH_CHUNK: f64 = 4.0 * 1024.0 * 1024.0;

/// The SHA-256 of the whole file, hex, read in chunks.
pub async fn sha256(file: &PickedFile) -> Result<String, String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let size = file.file.size();
    let mut at = 0.0;
    while at < size {
        let end = (at + HASH_CHUNK).min(size);
        let part = file
            .file
            .slice_with_f64_and_f64(at, end)
            .map_err(|e| super::js_error_text(&e))?;
        let buffer = wasm_bindgen_futures::JsFuture::from(part.array_buffer())
            .await
            .map_err(|e| file.read_error(&e))?;
        hasher.update(js_sys::Uint8Array::new(&buffer).to_vec());
        at = end;
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

fn collect(list: Option<FileList>) -> Vec<PickedFile> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length())
        .filter_map(|i| list.get(i))
        .map(PickedFile::new)
        .collect()
}

/// The files chosen in an `<input type=file>`; the input is cleared so the same file can be
/// chosen again.
pub fn from_input(ev: &Event) -> Vec<PickedFile> {
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
    else {
        return Vec::new();
    };
    let files = collect(input.files());
    input.set_value("");
    files
}

/// The files in a drop.
pub fn from_drop(ev: &DragEvent) -> Vec<PickedFile> {
    collect(ev.data_transfer().and_then(|dt| dt.files()))
}

pub fn revoke_url(url: &str) {
    // Revoking an unknown URL is a no-op; nothing to report.
    let _ = Url::revoke_object_url(url);
}
