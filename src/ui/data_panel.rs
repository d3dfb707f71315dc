//! "Your data": what microact keeps in this browser (projects with their sizes, settings, the
//! offline copy, what the browser says this site uses of its storage), that media never is,
//! whether the browser keeps it under storage pressure, an export of the raw stored records
//! for support, and a button that deletes everything stored.

use leptos::prelude::*;

use crate::browser::{self, storage};
use crate::readout;
use crate::ui::notices::Notices;
use crate::ui::projects::Projects;

/// What the panel counts in storage while it is open.
#[derive(Clone, Debug, PartialEq)]
struct Figures {
    /// The reason where the settings could not be counted.
    settings: Result<u32, String>,
    /// (usage, quota) in bytes.
    usage: Option<(f64, f64)>,
    /// Raw copies of damaged projects kept.
    damaged: u32,
}

impl Figures {
    async fn count() -> Self {
        Self {
            settings: storage::count_settings().await.map_err(|e| e.to_string()),
            usage: storage::usage().await,
            damaged: storage::count_damaged().await.unwrap_or(0),
        }
    }
}

/// `""` or `"s"` after a count of `n`.
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[component]
pub fn DataPanel() -> impl IntoView {
    let projects = expect_context::<Projects>();
    let open = RwSignal::new(false);
    // While the panel is open its figures follow the project list: opening it, every save
    // (a save also writes settings), a deletion.
    let figures = LocalResource::new(move || {
        let open = open.get();
        projects.projects.track();
        async move {
            if open {
                Some(Figures::count().await)
            } else {
                None
            }
        }
    });
    let figures = Signal::derive(move || figures.get().flatten());
    view! {
        <details class="data-panel" data-testid="data-panel" on:toggle=move |_| {
            // A toggle event follows every change of `open`.
            open.update(|o| *o = !*o);
            if open.get_untracked() {
                projects.refresh_projects();
            }
        }>
            <summary>"Your data"</summary>
            <p>"Clips and camera frames are never stored or sent anywhere: a clip is read from your disk, and after a reload you open it again."</p>
            <StoredProjects projects=projects.projects/>
            <Transition fallback=|| view! { <SettingsCount figures=None/> <StorageUsage figures=None/> }>
                {move || view! { <SettingsCount figures=figures.get()/> <StorageUsage figures=figures.get()/> }}
            </Transition>
            <Persistence persisted=projects.autosave.persisted/>
            <p>"Every edit is written as you make it, and the project is whole again after a reload, a closed tab or a crash. With the same project open in two tabs, one edits and the other shows its changes read-only until you choose “Edit here” there."</p>
            <DamagedCopies figures=figures/>
            <SupportButtons/>
        </details>
    }
}

/// The stored projects with their sizes.
#[component]
fn StoredProjects(projects: RwSignal<Vec<storage::StoredProject>>) -> impl IntoView {
    let count = move || projects.with(Vec::len);
    let total = move || projects.with(|list| list.iter().map(|p| p.bytes).sum::<u64>());
    view! {
        <p data-testid="stored-projects" data-count=move || count().to_string() data-bytes=move || total().to_string()>
            {move || format!("{} project{} in this browser ({}): tracks, segments, descriptions, boxes and pose tracks.",
                count(), plural(count()), readout::bytes(total()))}
        </p>
        <ul class="stored-list">
            {move || projects.get().into_iter().map(|p| view! {
                <li><span>{p.name}</span>" "<span class="readout">{readout::bytes(p.bytes)}</span></li>
            }).collect_view()}
        </ul>
    }
}

/// How many settings are stored; `figures` is `None` until counted.
#[component]
fn SettingsCount(figures: Option<Figures>) -> impl IntoView {
    let settings = figures.map(|f| f.settings);
    let count = match &settings {
        Some(Ok(n)) => n.to_string(),
        _ => String::new(),
    };
    let text = match settings {
        None => "Counting the settings…".to_string(),
        Some(Ok(n)) => format!(
            "{n} setting{} (the last project, the key map, where each project was left).",
            plural(n as usize)
        ),
        Some(Err(why)) => format!("The settings could not be counted: {why}"),
    };
    view! { <p data-testid="stored-settings" data-count=count>{text}</p> }
}

/// What the browser says this site uses of its storage.
#[component]
fn StorageUsage(figures: Option<Figures>) -> impl IntoView {
    let text = match figures.and_then(|f| f.usage) {
        Some((used, quota)) => format!(
            "This site uses {} of this browser's storage (it allows {}): the projects and the offline copy of the app and its models.",
            readout::bytes(used as u64),
            readout::bytes(quota as u64)
        ),
        None => "This browser does not say how much storage this site uses.".into(),
    };
    view! { <p data-testid="storage-usage">{text}</p> }
}

/// Whether the browser keeps this site's storage when space runs low.
#[component]
fn Persistence(persisted: RwSignal<Option<bool>>) -> impl IntoView {
    let state = move || match persisted.get() {
        Some(true) => "persistent",
        Some(false) => "best-effort",
        None => "unknown",
    };
    let text = move || match persisted.get() {
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
    view! { <p data-testid="storage-persisted" data-state=state>{text}</p> }
}

/// How many raw copies of damaged projects are kept (nothing said when none).
#[component]
fn DamagedCopies(figures: Signal<Option<Figures>>) -> impl IntoView {
    let damaged = move || figures.with(|f| f.as_ref().map_or(0, |f| f.damaged));
    view! {
        <p data-testid="stored-damaged" data-count=move || damaged().to_string()>{move || match damaged() {
            0 => String::new(),
            n => format!("{n} raw cop{} of damaged project data kept for support.", if n == 1 { "y" } else { "ies" }),
        }}</p>
    }
}

/// The raw stored records exported for support, and everything stored deleted.
#[component]
fn SupportButtons() -> impl IntoView {
    let projects = expect_context::<Projects>();
    let notices = expect_context::<Notices>();
    let export_raw = Action::new_local(move |_: &()| async move {
        let json = match storage::export_raw().await {
            Ok(json) => json,
            Err(e) => return notices.error(format!("The stored data could not be read: {e}")),
        };
        let name = format!("microact-stored-{}.json", browser::now_epoch_ms() as u64);
        if let Err(e) = browser::dom::download(&name, "application/json", json.as_bytes()) {
            notices.error(format!("{name} could not be downloaded: {e}"));
        }
    });
    let delete_all = Action::new_local(move |_: &()| async move {
        match storage::delete_everything().await {
            Ok(()) => {
                projects.start_over();
                notices.info("Everything microact stored in this browser was deleted.");
            }
            Err(why) => {
                notices.error(format!("Not everything could be deleted: {why}"));
                // What is left (starting over re-reads the list itself).
                projects.refresh_projects();
            }
        }
    });
    let ask_delete_all = move |_| {
        let sure = browser::confirm(
            "Delete every project and setting microact stored in this browser? Export what you want to keep first.",
        );
        if sure {
            delete_all.dispatch_local(());
        }
    };
    view! {
        <button data-testid="export-stored" disabled=move || export_raw.pending().get()
            on:click=move |_| { export_raw.dispatch_local(()); }>"Export stored data (for support)"</button>
        <button data-testid="delete-everything" disabled=move || delete_all.pending().get()
            on:click=ask_delete_all>"Delete everything stored"</button>
    }
}
