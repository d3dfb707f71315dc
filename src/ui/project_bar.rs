//! The project bar: the project's name, whether it is saved, the projects kept in this browser
//! (open, duplicate, delete, new), and the import/export menu with its merge-or-replace question.

use leptos::prelude::*;
use microact_core::formats::Mode;
use microact_core::formats::truth::Include;

use crate::browser::files;
use crate::readout;
use crate::ui::autosave::{FOLLOWING, Role, SaveState};
use crate::ui::editor::Editor;
use crate::ui::import_export::ImportExport;
use crate::ui::projects::Projects;
use crate::workspace::io::{self, Format};

#[component]
pub fn ProjectBar() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let projects = expect_context::<Projects>();
    let ws = editor.ws;
    let name = move || ws.with(|w| w.project.name.clone());
    let following = move || projects.autosave.role.get() == Role::Following;
    view! {
        <section class="project-bar" aria-label="Project" data-testid="project-bar">
            <input class="project-name" data-testid="project-name" aria-label="Project name"
                prop:value=name prop:readOnly=following on:input=move |e| projects.rename(event_target_value(&e))
                on:change=move |_| ws.update(|w| w.seal()) />
            <SaveStatus/>
            <Show when=following>
                <div class="read-only-banner" role="status" data-testid="read-only">
                    <span>{FOLLOWING}</span>
                    <button data-testid="take-over" on:click=move |_| projects.autosave.take_over()>"Edit here"</button>
                </div>
            </Show>
            <ProjectsMenu/>
            <ImportExportMenu/>
            <ImportConfirm/>
        </section>
    }
}

/// Whether every change is on disk, with the write log's counters for the tests; "Export now"
/// when storing fails.
#[component]
fn SaveStatus() -> impl IntoView {
    let projects = expect_context::<Projects>();
    let transfer = expect_context::<ImportExport>();
    let autosave = projects.autosave;
    let save = autosave.save;
    let following = move || autosave.role.get() == Role::Following;
    let text = move || match save.get() {
        _ if following() => "read-only here".to_string(),
        SaveState::Starting => "loading…".to_string(),
        SaveState::Saving => "saving…".to_string(),
        SaveState::Saved => "saved in this browser".to_string(),
        SaveState::Failed(_) => "not saved".to_string(),
    };
    let detail = move || {
        match save.get() {
        SaveState::Failed(e) => format!("Not saved in this browser: {e}"),
        _ => "Every change is written to this browser's storage (IndexedDB) as you make it; “saved” once it is on disk".to_string(),
    }
    };
    let state = move || match save.get() {
        SaveState::Starting => "starting",
        SaveState::Saving => "saving",
        SaveState::Saved => "saved",
        SaveState::Failed(_) => "failed",
    };
    let failed = move || matches!(save.get(), SaveState::Failed(_));
    view! {
        <span class="save-state" data-testid="save-state" data-state=state title=detail
            data-seq=move || autosave.issued.get().to_string()
            data-committed=move || autosave.committed.get().to_string()
            data-snapshot=move || autosave.snapshot.get().to_string()
            data-compacting=move || autosave.compacting.get().to_string()
            data-write-ms=move || autosave.write_ms.get().map(|ms| format!("{ms:.2}")).unwrap_or_default()
            data-role=move || format!("{:?}", autosave.role.get()).to_lowercase()>{text}</span>
        <Show when=failed>
            <button data-testid="export-now" on:click=move |_| transfer.export(Format::Native, Include::WithPredictions)>"Export now"</button>
        </Show>
    }
}

/// The projects kept in this browser: new, duplicate, open, delete.
#[component]
fn ProjectsMenu() -> impl IntoView {
    let projects = expect_context::<Projects>();
    let current = move || projects.project_id.get();
    let open = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move { projects.load(&id).await }
    });
    let delete = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move { projects.delete_project(&id).await }
    });
    let busy = move || open.pending().get() || delete.pending().get();
    let item = move |p: crate::browser::storage::StoredProject| {
        let (id, open_id, delete_id) = (p.id.clone(), p.id.clone(), p.id.clone());
        let current_id = id.clone();
        let is_current = move || current() == current_id;
        let disabled = move || current() == id || busy();
        view! {
            <li data-testid="project-item" data-id=p.id.clone() class:current=is_current>
                <span class="project-item-name">{p.name.clone()}</span>
                <span class="readout">{readout::bytes(p.bytes)}</span>
                <button data-testid="project-open" disabled=disabled on:click=move |_| { open.dispatch(open_id.clone()); }>"Open"</button>
                <button data-testid="project-delete" disabled=busy on:click=move |_| {
                    if crate::browser::confirm("Delete this project from this browser? Export it first to keep a copy.") {
                        delete.dispatch(delete_id.clone());
                    }
                }>"Delete"</button>
            </li>
        }
    };
    view! {
        <details class="menu" data-testid="projects-menu">
            <summary>"Projects"</summary>
            <div class="menu-body">
                <div class="controls">
                    <button data-testid="project-new" on:click=move |_| projects.new_project()>"New project"</button>
                    <button data-testid="project-duplicate" on:click=move |_| projects.duplicate_project()>"Duplicate"</button>
                </div>
                <ul class="project-list" data-testid="project-list">
                    <For each=move || projects.projects.get() key=|p| (p.id.clone(), p.name.clone(), p.updated as u64) children=item />
                </ul>
            </div>
        </details>
    }
}

/// Export in a format (counting what it will write first), import picked files.
#[component]
fn ImportExportMenu() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let transfer = expect_context::<ImportExport>();
    let export_format = RwSignal::new(Format::Native.id().to_string());
    // Whether proposals nobody accepted go in too, where the format holds them.
    let with_predictions = RwSignal::new(false);
    let include = move || {
        if with_predictions.get() {
            Include::WithPredictions
        } else {
            Include::GroundTruth
        }
    };
    let chosen = move || Format::from_id(&export_format.get()).unwrap_or(Format::Native);
    // What the export will write, counted before anything is: the dialog's promise.
    let will_write = move || {
        let format = chosen();
        let counts = editor
            .ws
            .with(|w| io::will_write(&w.project, format, w.video, include()));
        let scope = if format.one_video() {
            "the clip on screen"
        } else {
            "every video"
        };
        format!(
            "Writes {} ground-truth segment(s) and {} prediction(s) from {scope}.",
            counts.ground_truth, counts.predictions
        )
    };
    let import_format = RwSignal::new(String::new());
    view! {
        <details class="menu" data-testid="io-menu" prop:open=move || transfer.open.get()>
            <summary on:click=move |e| { e.prevent_default(); transfer.open.update(|o| *o = !*o); }>"Import / export"</summary>
            <div class="menu-body">
                <div class="controls">
                    <select data-testid="export-format" aria-label="Export format"
                        prop:value=move || export_format.get() on:change=move |e| export_format.set(event_target_value(&e))>
                        {Format::ALL.into_iter().map(|f| view! { <option value=f.id()>{f.name()}</option> }).collect_view()}
                    </select>
                    <button data-testid="export" on:click=move |_| {
                        if let Some(f) = Format::from_id(&export_format.get_untracked()) {
                            transfer.export(f, include())
                        }
                    }>"Export"</button>
                </div>
                {move || chosen().predictions().map(|place| view! {
                    <label class="hint" title=place>
                        <input type="checkbox" data-testid="export-predictions"
                            prop:checked=move || with_predictions.get()
                            on:change=move |e| with_predictions.set(event_target_checked(&e)) />
                        {format!(" Include model proposals nobody accepted ({place})")}
                    </label>
                })}
                <p class="hint" data-testid="export-counts">{will_write}</p>
                {move || chosen().caveat().map(|c| view! { <p class="hint" data-testid="export-caveat">{c}</p> })}
                <div class="controls">
                    <select data-testid="import-format" aria-label="Import format"
                        prop:value=move || import_format.get() on:change=move |e| import_format.set(event_target_value(&e))>
                        <option value="">"format from the file"</option>
                        {Format::ALL.into_iter().filter(|f| f.can_import()).map(|f| view! { <option value=f.id()>{f.name()}</option> }).collect_view()}
                    </select>
                    <label class="button" class:busy=move || transfer.reading.pending().get()>
                        {move || if transfer.reading.pending().get() { "Reading…" } else { "Import…" }}
                        <input type="file" multiple=true class="visually-hidden" data-testid="import-file"
                            on:change=move |e| transfer.import(files::from_input(&e), Format::from_id(&import_format.get_untracked())) />
                    </label>
                </div>
                <p class="hint">"AVA: pick the CSV and its .pbtxt label map together. MMAction2 and AVA count classes in the palette's label set."</p>
            </div>
        </details>
    }
}

/// An import read: merge it, replace with it, or not.
#[component]
fn ImportConfirm() -> impl IntoView {
    let transfer = expect_context::<ImportExport>();
    move || {
        transfer.pending_import.get().map(|p| view! {
            <div class="confirm" role="dialog" data-testid="import-confirm">
                <span>{format!("Import {} as {}: {}.", p.file, p.format.name(), io::summary(&p.project))}</span>
                <button data-testid="import-merge" on:click=move |_| transfer.finish_import(Some(Mode::Merge))>"Merge into this project"</button>
                <button data-testid="import-replace" on:click=move |_| transfer.finish_import(Some(Mode::Replace))>"Replace its videos and tracks"</button>
                <button data-testid="import-cancel" on:click=move |_| transfer.finish_import(None)>"Cancel"</button>
            </div>
        })
    }
}
