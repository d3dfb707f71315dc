//! "Your data": what microact keeps in this browser (projects with their sizes, settings, the
//! offline copy, what the browser says this site uses of its storage), that media never is,
//! whether the browser keeps it under storage pressure, an export of the raw stored records
//! for support, and a button that deletes everything stored.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::storage;
use crate::format;
use crate::ui::projects::Projects;
use crate::ui::notices::Notices;

#[derive(Clone, Debug, Default, PartialEq)]
struct Stored {
    /// `None` until counted; the reason where it could not be.
    settings: Option<Result<u32, String>>,
    /// (usage, quota) in bytes.
    usage: Option<(f64, f64)>,
    /// Raw copies of damaged projects kept.
    damaged: u32,
}

#[component]
pub fn DataPanel() -> impl IntoView {
    let annotate = expect_context::<Projects>();
    let notices = expect_context::<Notices>();
    let stored = RwSignal::new(Stored::default());
    let open = RwSignal::new(false);
    let count = move || {
        spawn_local(async move {
            let settings = Some(storage::count_settings().await.map_err(|e| e.to_string()));
            let usage = storage::usage().await;
            let damaged = storage::count_damaged().await.unwrap_or(0);
            stored.set(Stored {
                settings,
                usage,
                damaged,
            });
        });
    };
    // While the panel is open its figures follow the project list: opening it, every save
    // (a save also writes settings), a deletion.
    Effect::new(move |_| {
        if open.get() {
            annotate.projects.track();
            count();
        }
    });
    let delete_all = move |_| {
        let sure = crate::browser::confirm(
            "Delete every project and setting microact stored in this browser? Export what you want to keep first.",
        );
        if !sure {
            return;
        }
        spawn_local(async move {
            match storage::delete_everything().await {
                Ok(()) => {
                    annotate.start_over();
                    notices.info("Everything microact stored in this browser was deleted.");
                }
                Err(why) => {
                    notices.error(format!("Not everything could be deleted: {why}"));
                    // What is left (starting over re-reads the list itself).
                    annotate.refresh_projects();
                }
            }
        });
    };
    let export_raw = move |_| {
        spawn_local(async move {
            match storage::export_raw().await {
                Ok(json) => {
                    let name = format!(
                        "microact-stored-{}.json",
                        crate::browser::now_epoch_ms() as u64
                    );
                    if let Err(e) =
                        crate::browser::dom::download(&name, "application/json", json.as_bytes())
                    {
                        notices.error(format!("{name} could not be downloaded: {e}"));
                    }
                }
                Err(e) => notices.error(format!("The stored data could not be read: {e}")),
            }
        });
    };
    let persisted = annotate.autosave.persisted;
    let persistence = move || match persisted.get() {
        Some(true) => {
            "Storage is persistent: the browser keeps your projects even when space runs low (only you can delete them, here or in the browser's settings)."
        }
        Some(false) => {
            "Storage is best-effort: when space runs low the browser may delete this site's data, projects included, without asking. microact asked for persistent storage and the browser declined (browsers grant it to sites you use often, bookmark or install). Export your projects to keep a copy."
        }
        None => {
            "This browser does not say whether it keeps this site's storage when space runs low: export your projects to keep a copy."
        }
    };
    let persisted_state = move || match persisted.get() {
        Some(true) => "persistent",
        Some(false) => "best-effort",
        None => "unknown",
    };
    let projects = move || annotate.projects.get();
    let total = move || projects().iter().map(|p| p.bytes).sum::<u64>();
    let usage = move || match stored.get().usage {
        Some((used, quota)) => format!(
            "This site uses {} of this browser's storage (it allows {}): the projects and the offline copy of the app and its models.",
            format::bytes(used as u64),
            format::bytes(quota as u64)
        ),
        None => "This browser does not say how much storage this site uses.".into(),
    };
    view! {
        <details class="data-panel" data-testid="data-panel" on:toggle=move |_| {
            // A toggle event follows every change of `open`.
            open.update(|o| *o = !*o);
            if open.get_untracked() {
                annotate.refresh_projects();
            }
        }>
            <summary>"Your data"</summary>
            <p>"Clips and camera frames are never stored or sent anywhere: a clip is read from your disk, and after a reload you open it again."</p>
            <p data-testid="stored-projects" data-count=move || projects().len().to_string() data-bytes=move || total().to_string()>
                {move || format!("{} project{} in this browser ({}): tracks, segments, descriptions, boxes and pose tracks.",
                    projects().len(), if projects().len() == 1 { "" } else { "s" }, format::bytes(total()))}
            </p>
            <ul class="stored-list">
                {move || projects().into_iter().map(|p| view! {
                    <li><span>{p.name}</span>" "<span class="readout">{format::bytes(p.bytes)}</span></li>
                }).collect_view()}
            </ul>
            <p data-testid="stored-settings" data-count=move || match stored.get().settings {
                Some(Ok(n)) => n.to_string(),
                _ => String::new(),
            }>{move || match stored.get().settings {
                None => "Counting the settings…".to_string(),
                Some(Ok(n)) => format!("{n} setting{} (the last project, the key map, where each project was left).",
                    if n == 1 { "" } else { "s" }),
                Some(Err(why)) => format!("The settings could not be counted: {why}"),
            }}</p>
            <p data-testid="storage-usage">{usage}</p>
            <p data-testid="storage-persisted" data-state=persisted_state>{persistence}</p>
            <p>"Every edit is written as you make it, and the project is whole again after a reload, a closed tab or a crash. With the same project open in two tabs, one edits and the other shows its changes read-only until you choose “Edit here” there."</p>
            <p data-testid="stored-damaged" data-count=move || stored.get().damaged.to_string()>{move || match stored.get().damaged {
                0 => String::new(),
                n => format!("{n} raw cop{} of damaged project data kept for support.", if n == 1 { "y" } else { "ies" }),
            }}</p>
            <button data-testid="export-stored" on:click=export_raw>"Export stored data (for support)"</button>
            <button data-testid="delete-everything" on:click=delete_all>"Delete everything stored"</button>
        </details>
    }
}
