//! The import/export menu's actions: the project downloaded in a format (with or without the
//! proposals nobody accepted), picked files read as a format (named or detected) and held until
//! the person chooses merge or replace. The formats themselves are `workspace::io`.

use leptos::prelude::*;
use microact_core::formats::truth::Include;
use microact_core::formats::{self, Mode};
use microact_core::model::Project;

use crate::browser::{dom, files::PickedFile};
use crate::ui::editor::Editor;
use crate::ui::projects::Projects;
use crate::workspace::io::{self, Format, Picked};

/// An import read and waiting for the person to choose merge or replace.
#[derive(Clone, Debug)]
pub struct PendingImport {
    pub file: String,
    pub format: Format,
    pub project: Project,
}

/// Files picked for import, and the format chosen for them (`None`: from the files).
type Picking = (Vec<PickedFile>, Option<Format>);

#[derive(Clone, Copy)]
pub struct ImportExport {
    pub pending_import: RwSignal<Option<PendingImport>>,
    /// Whether the import/export menu is open.
    pub open: RwSignal<bool>,
    /// Reading picked files (pending while they are read and parsed).
    pub reading: Action<Picking, ()>,
    editor: Editor,
    projects: Projects,
}

impl ImportExport {
    pub fn new(editor: Editor, projects: Projects) -> Self {
        let pending_import = RwSignal::new(None);
        let reading = Action::new_local(move |(picked, format): &Picking| {
            read_import(editor, pending_import, picked.clone(), *format)
        });
        Self {
            pending_import,
            open: RwSignal::new(false),
            reading,
            editor,
            projects,
        }
    }

    /// Downloads the project in `format`, with the proposals nobody accepted where `include`
    /// asks and the format holds them.
    pub fn export(&self, format: Format, include: Include) {
        let notices = self.editor.notices;
        let out = self.editor.ws.with_untracked(|w| {
            let set = w
                .palette_set()
                .cloned()
                .unwrap_or_else(microact_core::labels::ma52);
            io::export(&w.project, format, w.video, &set, include)
        });
        match out {
            Ok(out) => {
                for file in &out.files {
                    if let Err(e) = dom::download(&file.name, file.mime, &file.bytes) {
                        notices.error(format!("{} could not be downloaded: {e}", file.name));
                    }
                }
                if out.left_out > 0 {
                    notices.info(format!(
                        "{}: {} segment(s) left out (their labels are not in the label set chosen, they have no pose, or — ActivityNet results — no ground truth has their label)",
                        format.name(),
                        out.left_out
                    ));
                }
            }
            Err(e) => notices.error(format!("Export failed: {e}")),
        }
    }

    /// Reads picked files as `format` (or the format their name and content say) and asks
    /// whether to merge or replace.
    pub fn import(&self, picked: Vec<PickedFile>, format: Option<Format>) {
        self.reading.dispatch((picked, format));
    }

    /// The person chose how the pending import goes in (`None`: it does not).
    pub fn finish_import(&self, mode: Option<Mode>) {
        let Some(pending) = self.pending_import.get_untracked() else {
            return;
        };
        self.pending_import.set(None);
        let Some(mode) = mode else { return };
        let summary = io::summary(&pending.project);
        let done = self.editor.run(|w| {
            let edit = formats::merge(&w.project, &pending.project, mode);
            let what = match mode {
                Mode::Merge => "import (merge)",
                Mode::Replace => "import (replace)",
            };
            w.apply(what, edit)?;
            if w.video.is_none() || mode == Mode::Replace {
                w.video = w.project.videos.first().map(|v| v.id);
            }
            Ok(())
        });
        if done.is_some() {
            self.editor
                .notices
                .info(format!("Imported {} ({summary}).", pending.file));
            self.projects.reattach();
        }
    }
}

/// Reads `picked` as `format` (or the format their name and content say) against the open
/// project's labels; the project read waits in `pending` for merge or replace.
async fn read_import(
    editor: Editor,
    pending: RwSignal<Option<PendingImport>>,
    picked: Vec<PickedFile>,
    format: Option<Format>,
) {
    let mut files = Vec::new();
    for file in &picked {
        match dom::read(file).await {
            Ok(bytes) => files.push(Picked {
                name: file.name.clone(),
                bytes,
            }),
            Err(e) => {
                editor.notices.error(e);
                return;
            }
        }
    }
    let Some(main) = files
        .iter()
        .find(|f| !f.name.ends_with(".pbtxt"))
        .or(files.first())
    else {
        return;
    };
    let name = main.name.clone();
    let Some(format) = format.or_else(|| Format::detect(&main.name, &main.bytes)) else {
        editor.notices.error(format!(
            "{name}: the format is not recognised; choose it in the list and import again"
        ));
        return;
    };
    let read = editor.ws.with_untracked(|w| {
        let set = w
            .palette_set()
            .cloned()
            .unwrap_or_else(microact_core::labels::ma52);
        io::import(&w.project, format, &files, &set)
    });
    match read {
        Ok(project) => pending.set(Some(PendingImport {
            file: name,
            format,
            project,
        })),
        Err(e) => editor
            .notices
            .error(format!("{name} was not imported: {e}")),
    }
}
