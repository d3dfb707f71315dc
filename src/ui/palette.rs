//! The label palette: the active label set as a tree (MA-52: body part → action), a search
//! box (`/`; Enter applies the first match), each label's key, switching sets, importing a set
//! (JSON or indented text) and adding a label. What each does to the project is
//! `workspace::palette`.

use leptos::prelude::*;
use microact_core::labels::{Label, LabelSet};
use microact_core::model::LabelRef;

use crate::browser::{dom, files};
use crate::ui::editor::Editor;
use crate::ui::keyboard::Keyboard;
use crate::workspace::{Workspace, read_label_set, search_labels};

#[component]
pub fn Palette() -> impl IntoView {
    let editor = expect_context::<Editor>();
    // A memo: the palette is rebuilt when its set changes, not on every edit of the project.
    let set = Memo::new(move |_| editor.ws.with(|w| w.palette_set().cloned()));
    view! {
        <section class="palette" aria-label="Labels" data-testid="palette">
            <h2>"Labels"</h2>
            <SetChooser set/>
            <LabelSearch set/>
            <LabelTree set/>
            <NewLabel/>
        </section>
    }
}

/// The label sets to switch between, and importing one.
#[component]
fn SetChooser(set: Memo<Option<LabelSet>>) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let ws = editor.ws;
    let sets = Memo::new(move |_| {
        ws.with(|w| {
            w.project
                .label_sets
                .iter()
                .map(|s| (s.id.clone(), s.name.clone()))
                .collect::<Vec<_>>()
        })
    });
    let import_set = Action::new_local(move |file: &files::PickedFile| {
        let file = file.clone();
        async move {
            let bytes = match dom::read(&file).await {
                Ok(b) => b,
                Err(e) => return editor.notices.error(e),
            };
            match read_label_set(&file.name, &String::from_utf8_lossy(&bytes)) {
                Ok(set) => {
                    let id = set.id.clone();
                    if editor.run(|w| w.import_label_set(set)).is_some() {
                        editor
                            .notices
                            .info(format!("Label set “{id}” imported from {}.", file.name));
                    }
                }
                Err(e) => editor
                    .notices
                    .error(format!("{} is not a label set: {e}", file.name)),
            }
        }
    });
    view! {
        <div class="controls">
            <select data-testid="label-set" aria-label="Label set"
                prop:value=move || set.get().map(|s| s.id).unwrap_or_default()
                on:change=move |e| ws.update(|w| w.switch_set(&event_target_value(&e)))>
                {move || sets.get().into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
            </select>
            <label class="button small" title="Import a label set (JSON or indented text)">
                "Import set…"
                <input type="file" accept=".json,.txt" class="visually-hidden" data-testid="label-set-import"
                    on:change=move |e| {
                        if let Some(file) = files::from_input(&e).into_iter().next() {
                            import_set.dispatch(file);
                        }
                    } />
            </label>
        </div>
    }
}

/// The search field: it filters the tree; Enter applies the first match, Escape clears it.
#[component]
fn LabelSearch(set: Memo<Option<LabelSet>>) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let keyboard = expect_context::<Keyboard>();
    let query = keyboard.query;
    let on_key = move |e: leptos::ev::KeyboardEvent| match dom::key(&e).key.as_str() {
        "Enter" => {
            let first = set.with_untracked(|s| {
                let s = s.as_ref()?;
                let first = search_labels(s, &query.get_untracked())
                    .into_iter()
                    .next()?;
                Some(LabelRef::new(&s.id, &first))
            });
            if let Some(label) = first {
                editor.run(|w| w.choose_label(label));
            }
        }
        // Escape leaves the search cleared (the page's key handler moves focus away).
        "Escape" => query.set(String::new()),
        _ => {}
    };
    view! {
        <input type="text" node_ref=keyboard.search data-testid="label-search" placeholder="Search labels (/)"
            prop:value=move || query.get()
            on:input=move |e| query.set(event_target_value(&e))
            on:keydown=on_key />
    }
}

/// The set's labels as shown by the search, grouped under their parents, each with its key.
#[component]
fn LabelTree(set: Memo<Option<LabelSet>>) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let query = expect_context::<Keyboard>().query;
    let active = Memo::new(move |_| editor.ws.with(|w| w.label.clone()));
    let tree = move || {
        let Some(set) = set.get() else {
            return Vec::new();
        };
        let shown = search_labels(&set, &query.get());
        let keys = Workspace::label_keys(&set, &shown);
        let active = active.get();
        let leaf = |l: &Label| {
            let r = LabelRef::new(&set.id, &l.id);
            let key = keys
                .iter()
                .find(|(_, k)| *k == r)
                .map(|(c, _)| c.to_string());
            view! {
                <li>
                    <button class="label" class:active=active.as_ref() == Some(&r) data-testid="label" data-label=l.id.clone()
                        on:click=move |_| { editor.run(|w| w.choose_label(r.clone())); }>
                        <span class="swatch" style=format!("background:{}", l.color)></span>
                        <span class="label-name">{l.name.clone()}</span>
                        {key.map(|k| view! { <kbd>{k}</kbd> })}
                    </button>
                </li>
            }
            .into_any()
        };
        let mut out = Vec::new();
        for top in set.children(None) {
            let has_children = set.children(Some(&top.id)).next().is_some();
            if !has_children {
                if shown.contains(&top.id) {
                    out.push(leaf(top));
                }
                continue;
            }
            let items: Vec<_> = set
                .children(Some(&top.id))
                .filter(|c| shown.contains(&c.id))
                .map(&leaf)
                .collect();
            if !items.is_empty() {
                out.push(view! {
                    <li class="group"><span class="group-name">{top.name.clone()}</span><ul>{items}</ul></li>
                }.into_any());
            }
        }
        out
    };
    view! { <ul class="label-tree" data-testid="label-tree">{tree}</ul> }
}

/// A new label in the palette's set.
#[component]
fn NewLabel() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let name = RwSignal::new(String::new());
    let add = move || {
        let text = name.get_untracked();
        if !text.trim().is_empty() && editor.run(|w| w.add_label(&text)).is_some() {
            name.set(String::new());
        }
    };
    view! {
        <form class="controls" on:submit=move |e| { e.prevent_default(); add(); }>
            <input data-testid="new-label" placeholder="New label" aria-label="New label"
                prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e)) />
            <button type="submit" data-testid="add-label">"Add"</button>
        </form>
    }
}
