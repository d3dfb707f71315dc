//! Which importer reads a file a person picks, judged by its name and first bytes.

use super::Format;

impl Format {
    /// The importer for a file, judged by its name and first bytes; `None` when nothing fits.
    pub fn detect(name: &str, bytes: &[u8]) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
        match ext {
            "eaf" => Some(Format::Elan),
            "pkl" | "pickle" => Some(Format::MmactionPoses),
            "pbtxt" => Some(Format::Ava),
            "txt" | "list" => Some(Format::MmactionClips),
            "xml" => Some(Format::Cvat),
            "json" => {
                if head.contains("\"format\"") && head.contains("microact") {
                    Some(Format::Native)
                } else if head.contains("\"database\"") || head.contains("\"results\"") {
                    Some(Format::ActivityNet)
                } else if head.contains("\"aname\"") || head.contains("\"vid_list\"") {
                    Some(Format::Via3)
                } else {
                    None
                }
            }
            "csv" => {
                // Our table has a header; AVA rows start with a video id and a 4-digit second.
                let first = head
                    .trim_start_matches('\u{feff}')
                    .lines()
                    .next()
                    .unwrap_or("");
                if first.to_ascii_lowercase().starts_with("video,") {
                    Some(Format::Csv)
                } else if first.matches(',').count() >= 8 {
                    Some(Format::RefAva)
                } else {
                    Some(Format::Ava)
                }
            }
            _ => None,
        }
    }
}
