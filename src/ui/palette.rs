//! The label palette: the active label set as a tree (MA-52: body part → action), a search
//! box (`/`; Enter applies the first match), each label's key, switching sets, importing a set
//! (JSON or indented text) and adding a label.

use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_core::edit::Edit;
use microact_core::labels::{Label, LabelSet, palette};
use microact_core::model::LabelRef;

use crate::browser::{dom, files};
use crate::ui::annotate::Annotate;
use crate::workspace::{Workspace, search_labels};

#[component]
pub fn Palette() -> impl IntoView {
    let a = expect_context::<Annotate>();
    let ws = a.ws;
    // Memos: the palette is rebuilt when its set, the sets or the active label change, not on
    // every edit of the project.
    let set_memo = Memo::new(move |_| ws.with(|w| w.palette_set().cloned()));
    let set = move || set_memo.get();
    let sets_memo = Memo::new(move |_| {
        ws.with(|w| {
            w.project
                .label_sets
                .iter()
                .map(|s| (s.id.clone(), s.name.clone()))
                .collect::<Vec<_>>()
        })
    });
    let sets = move || sets_memo.get();
    let shown = move || {
        set()
            .map(|s| search_labels(&s, &a.query.get()))
            .unwrap_or_default()
    };
    let keys = move || {
        set()
            .map(|s| Workspace::label_keys(&s, &shown()))
            .unwrap_or_default()
    };
    let active_memo = Memo::new(move |_| ws.with(|w| w.label.clone()));
    let active = move || active_memo.get();

    let choose = move |label: LabelRef| {
        a.run(|w| w.choose_label(label));
    };
    let switch_set = move |id: String| {
        // The set's first leaf becomes active so keys and new segments use it.
        let first = ws.with_untracked(|w| {
            w.project
                .label_set(&id)
                .and_then(|s| s.leaves().next().map(|l| LabelRef::new(&s.id, &l.id)))
        });
        ws.update(|w| {
            w.label = first;
        });
    };

    let tree = move || {
        let Some(set) = set() else { return Vec::new() };
        let shown = shown();
        let keys = keys();
        let active = active();
        let leaf = |l: &Label| {
            let r = LabelRef::new(&set.id, &l.id);
            let key = keys
                .iter()
                .find(|(_, k)| *k == r)
                .map(|(c, _)| c.to_string());
            let is_active = active.as_ref() == Some(&r);
            let name = l.name.clone();
            let color = l.color.clone();
            let id = l.id.clone();
            view! {
                <li>
                    <button class="label" class:active=is_active data-testid="label" data-label=id
                        on:click=move |_| choose(r.clone())>
                        <span class="swatch" style=format!("background:{color}")></span>
                        <span class="label-name">{name}</span>
                        {key.map(|k| view! { <kbd>{k}</kbd> })}
                    </button>
                </li>
            }
            .into_any()
        };
        let mut out = Vec::new();
        for top in set.children(None) {
            let children: Vec<&Label> = set
                .children(Some(&top.id))
                .filter(|c| shown.contains(&c.id))
                .collect();
            let has_children = set.children(Some(&top.id)).next().is_some();
            if has_children {
                if children.is_empty() {
                    continue;
                }
                let name = top.name.clone();
                let items: Vec<_> = children.into_iter().map(&leaf).collect();
                out.push(view! {
                    <li class="group"><span class="group-name">{name}</span><ul>{items}</ul></li>
                }.into_any());
            } else if shown.contains(&top.id) {
                out.push(leaf(top));
            }
        }
        out
    };

    let on_search_key = move |e: leptos::ev::KeyboardEvent| {
        match e.key().as_str() {
            "Enter" => {
                if let (Some(set), Some(first)) = (set(), shown().first().cloned()) {
                    choose(LabelRef::new(&set.id, &first));
                }
            }
            // Escape leaves the search cleared (the page's key handler moves focus away).
            "Escape" => a.query.set(String::new()),
            _ => {}
        }
    };

    let import_set = move |picked: Vec<files::PickedFile>| {
        let Some(file) = picked.into_iter().next() else {
            return;
        };
        spawn_local(async move {
            let bytes = match dom::read(&file).await {
                Ok(b) => b,
                Err(e) => {
                    a.notices.error(e);
                    return;
                }
            };
            let text = String::from_utf8_lossy(&bytes).to_string();
            let stem = file
                .name
                .rsplit_once('.')
                .map(|(s, _)| s.to_string())
                .unwrap_or(file.name.clone());
            let parsed = if file.name.to_ascii_lowercase().ends_with(".json") {
                LabelSet::from_json(&text)
            } else {
                LabelSet::from_text(&stem, &stem, &text)
            };
            match parsed {
                Ok(set) => {
                    let id = set.id.clone();
                    let first = set.leaves().next().map(|l| LabelRef::new(&set.id, &l.id));
                    let done = a.run(|w| {
                        let edit = Edit::PutLabelSet {
                            index: w.project.label_sets.len(),
                            set,
                        };
                        w.apply("import label set", edit)
                    });
                    if done.is_some() {
                        ws.update(|w| w.label = first);
                        a.notices
                            .info(format!("Label set “{id}” imported from {}.", file.name));
                    }
                }
                Err(e) => a
                    .notices
                    .error(format!("{} is not a label set: {e}", file.name)),
            }
        });
    };

    let new_label = RwSignal::new(String::new());
    let add_label = move || {
        let name = new_label.get_untracked().trim().to_string();
        if name.is_empty() {
            return;
        }
        let Some(mut set) = set() else { return };
        // Under the active label's parent (so "head › new" lands in head), else at the top.
        let parent = active().and_then(|l| set.label(&l.label).and_then(|l| l.parent.clone()));
        let id = name.clone();
        set.labels.push(Label {
            id: id.clone(),
            name,
            parent,
            color: palette(set.labels.len()),
            shortcut: None,
        });
        let set_id = set.id.clone();
        let done = a.run(|w| w.apply("add label", Edit::PutLabelSet { index: 0, set }));
        if done.is_some() {
            new_label.set(String::new());
            a.run(|w| w.choose_label(LabelRef::new(&set_id, &id)));
        }
    };

    view! {
        <section class="palette" aria-label="Labels" data-testid="palette">
            <h2>"Labels"</h2>
            <div class="controls">
                <select data-testid="label-set" aria-label="Label set"
                    prop:value=move || set().map(|s| s.id).unwrap_or_default()
                    on:change=move |e| switch_set(event_target_value(&e))>
                    {move || sets().into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                </select>
                <label class="button small" title="Import a label set (JSON or indented text)">
                    "Import set…"
                    <input type="file" accept=".json,.txt" class="visually-hidden" data-testid="label-set-import"
                        on:change=move |e| import_set(files::from_input(&e)) />
                </label>
            </div>
            <input type="text" node_ref=a.search data-testid="label-search" placeholder="Search labels (/)"
                prop:value=move || a.query.get()
                on:input=move |e| a.query.set(event_target_value(&e))
                on:keydown=on_search_key />
            <ul class="label-tree" data-testid="label-tree">{tree}</ul>
            <form class="controls" on:submit=move |e| { e.prevent_default(); add_label(); }>
                <input data-testid="new-label" placeholder="New label" aria-label="New label"
                    prop:value=move || new_label.get() on:input=move |e| new_label.set(event_target_value(&e)) />
                <button type="submit" data-testid="add-label">"Add"</button>
            </form>
        </section>
    }
}
