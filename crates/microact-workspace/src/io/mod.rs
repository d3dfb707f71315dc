//! The import/export menu's formats: which files each writes for the open project, and which
//! importer reads a file a person picks (by its name and first bytes, or as they chose). Here
//! the formats themselves; `export`, `detect` and `import` do the work.

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Native,
    Via3,
    Elan,
    ActivityNet,
    Ava,
    RefAva,
    MmactionClips,
    MmactionPoses,
    Cvat,
    Csv,
    Skeletons,
}

impl Format {
    pub const ALL: [Format; 11] = [
        Format::Native,
        Format::Via3,
        Format::Elan,
        Format::ActivityNet,
        Format::Ava,
        Format::RefAva,
        Format::MmactionClips,
        Format::MmactionPoses,
        Format::Cvat,
        Format::Csv,
        Format::Skeletons,
    ];

    /// Stable id (menu values, test ids).
    pub fn id(self) -> &'static str {
        match self {
            Format::Native => "native",
            Format::Via3 => "via3",
            Format::Elan => "elan",
            Format::ActivityNet => "activitynet",
            Format::Ava => "ava",
            Format::RefAva => "refava",
            Format::MmactionClips => "mmaction-clips",
            Format::MmactionPoses => "mmaction-poses",
            Format::Cvat => "cvat",
            Format::Csv => "csv",
            Format::Skeletons => "skeletons",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.id() == id)
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Native => "microact project (JSON)",
            Format::Via3 => "VIA3 project (JSON)",
            Format::Elan => "ELAN (EAF)",
            Format::ActivityNet => "ActivityNet (JSON)",
            Format::Ava => "AVA actions (CSV + label map)",
            Format::RefAva => "RefAVA (CSV with descriptions + label map)",
            Format::MmactionClips => "MMAction2 clip list",
            Format::MmactionPoses => "MMAction2 pose pickle",
            Format::Cvat => "CVAT for video 1.1 (XML, export only)",
            Format::Csv => "CSV table",
            Format::Skeletons => {
                "Skeletons and labels to share (microact JSON without file or labeller names; import it as a microact project)"
            }
        }
    }

    /// Where the format puts model proposals nobody accepted, when it can hold them beside
    /// the ground truth (`microact_core::formats::truth`); `None` when it holds ground truth
    /// only. microact's own files keep everything, so they are not asked.
    pub fn predictions(self) -> Option<&'static str> {
        match self {
            Format::ActivityNet => Some("a second file, the results the official evaluator scores"),
            Format::Ava | Format::RefAva => {
                Some("a second CSV, AVA's detection layout with scores")
            }
            Format::Csv => Some("rows marked proposed or rejected, with their scores"),
            Format::Elan => Some("annotations with a status tier"),
            _ => None,
        }
    }

    /// Whether the format writes the clip on screen only (else every video).
    pub fn one_video(self) -> bool {
        matches!(self, Format::Elan | Format::Cvat)
    }

    /// What the format warns about before it is written.
    pub fn caveat(self) -> Option<&'static str> {
        match self {
            Format::RefAva => Some(
                "The description is a ninth column: AVA's own evaluator reads 8; export plain AVA for it.",
            ),
            Format::MmactionClips | Format::MmactionPoses | Format::Ava => {
                Some("Only labels of the palette's label set are written.")
            }
            _ => None,
        }
    }

    pub fn can_import(self) -> bool {
        !matches!(self, Format::Cvat | Format::Skeletons)
    }
}

mod detect;
mod export;
mod import;

pub use export::{Download, Exported, export, will_write};
pub use import::{Picked, import, summary};
pub use microact_core::formats::Mode;

#[cfg(test)]
mod tests;
