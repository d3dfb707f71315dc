//! The models `models/manifest.json` offers (name, task, size, storage, accuracy, licence) and
//! the choice of recognizer for live actions and clip analysis; choosing one adds its classes to
//! the project as a label set.

use leptos::prelude::*;
use microact_core::manifest::{Classes, Manifest, ModelEntry};
use microact_core::taught::TaughtModel;
use microact_protocol::LiveModel;

use crate::browser::fetch;
use crate::readout::bytes as format_bytes;
use crate::ui::editor::Editor;

/// The recognizer chosen until the person picks another.
pub use crate::workspace::clip_analysis::DEFAULT_RECOGNIZER;

/// The recognizer (a manifest name) live actions and clip analysis run, and the taught model
/// they run instead while one is chosen (the teach panel's "Use for live and analysis").
#[derive(Clone, Copy)]
pub struct RecognizerChoice(pub RwSignal<String>, pub RwSignal<Option<TaughtModel>>);

impl RecognizerChoice {
    pub fn new() -> RecognizerChoice {
        RecognizerChoice(
            RwSignal::new(DEFAULT_RECOGNIZER.to_string()),
            RwSignal::new(None),
        )
    }

    /// What live actions run now.
    pub fn live(&self) -> LiveModel {
        match self.1.get_untracked() {
            Some(model) => LiveModel::Taught(Box::new(model)),
            None => LiveModel::Shipped(self.0.get_untracked()),
        }
    }
}

impl Default for RecognizerChoice {
    fn default() -> RecognizerChoice {
        RecognizerChoice::new()
    }
}

/// The recognizer's classes added to the project unless it has them (one undo step);
/// `Some(false)` when it had them, `None` when refused (the notice says why).
pub(crate) fn add_label_set(annotate: &Editor, spec: &impl Classes) -> Option<bool> {
    annotate.run(|w| w.add_label_set(spec.label_set()))
}

/// `models/manifest.json`, fetched and read (what the page shows of each model; the engine reads
/// the networks' descriptions from the same file).
async fn fetch_manifest() -> Result<Manifest, String> {
    Manifest::parse(&fetch::text("models/manifest.json").await?).map_err(|e| e.to_string())
}

#[component]
pub fn ModelsPanel() -> impl IntoView {
    let manifest = LocalResource::new(fetch_manifest);
    view! {
        <details class="models-panel" data-testid="models">
            <summary>"Models"</summary>
            <Suspense fallback=|| view! { <p>"reading models/manifest.json…"</p> }>
                {move || Suspend::new(async move {
                    match manifest.await {
                        Ok(m) => view! { <ManifestModels manifest=m /> }.into_any(),
                        Err(why) => view! { <p class="error">{why}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </details>
    }
}

/// The recognizer menu and the table of every model the manifest lists.
#[component]
fn ManifestModels(manifest: Manifest) -> impl IntoView {
    let annotate = expect_context::<Editor>();
    let choice = expect_context::<RecognizerChoice>();
    let options = manifest
        .action_models()
        .map(|(e, _)| {
            let name = e.name.clone();
            let selected = name == choice.0.get_untracked();
            view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
        })
        .collect_view();
    let rows = manifest.models.iter().map(model_row).collect_view();
    let manifest = StoredValue::new(manifest);
    let choose = move |name: String| {
        let spec = manifest.with_value(|m| m.get(&name).ok().and_then(|e| e.recognizer.clone()));
        if let Some(spec) = spec
            && add_label_set(&annotate, &spec) == Some(true)
        {
            annotate.notices.info(format!(
                "{name}'s {} classes are now the label set {}",
                spec.classes.len(),
                spec.label_set_id()
            ));
        }
        choice.0.set(name);
        choice.1.set(None);
    };
    view! {
        <label>"Recognizer "
            <select data-testid="recognizer" on:change=move |e| choose(event_target_value(&e))>
                {options}
            </select>
        </label>
        <table class="models">
            <thead><tr><th>"model"</th><th>"does"</th><th>"size"</th><th>"accuracy"</th><th>"licence"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// One model of the manifest: name, what it does, size and storage, accuracy, licence.
fn model_row(e: &ModelEntry) -> impl IntoView + use<> {
    let classes = e
        .recognizer
        .as_ref()
        .map(|r| format!("{} classes ({})", r.classes.len(), r.dataset))
        .unwrap_or_else(|| e.task.clone());
    let storage = if e.is_int8() { "int8" } else { "float16" };
    view! {
        <tr data-testid="model-row" data-name=e.name.clone()>
            <td>{e.name.clone()}</td>
            <td>{classes}</td>
            <td>{format!("{} · {storage}", format_bytes(e.bytes))}</td>
            <td>{e.accuracy().unwrap_or_default()}</td>
            <td class="licence">{e.licence.clone()}</td>
        </tr>
    }
}
