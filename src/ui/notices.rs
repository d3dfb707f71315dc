//! Messages for the person at the screen: errors and notes shown in the page, never only in the
//! console.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

impl Level {
    fn id(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Error => "error",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    id: u64,
    level: Level,
    text: String,
}

/// The page's notices, shared through context.
#[derive(Clone, Copy)]
pub struct Notices {
    list: RwSignal<Vec<Notice>>,
    next_id: StoredValue<u64>,
}

/// How many notices stay on screen; older ones give way.
const KEEP: usize = 5;

impl Notices {
    pub fn new() -> Self {
        Self {
            list: RwSignal::new(Vec::new()),
            next_id: StoredValue::new(0),
        }
    }

    pub fn error(&self, text: impl Into<String>) {
        self.push(Level::Error, text.into());
    }

    pub fn info(&self, text: impl Into<String>) {
        self.push(Level::Info, text.into());
    }

    fn push(&self, level: Level, text: String) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.list.update(|list| {
            list.push(Notice { id, level, text });
            let excess = list.len().saturating_sub(KEEP);
            list.drain(..excess);
        });
    }

    fn dismiss(&self, id: u64) {
        self.list.update(|list| list.retain(|n| n.id != id));
    }
}

impl Default for Notices {
    fn default() -> Self {
        Self::new()
    }
}

/// The notices, newest last, each with a dismiss button.
#[component]
pub fn NoticeList() -> impl IntoView {
    let notices = expect_context::<Notices>();
    view! {
        <ul class="notices" aria-live="polite" data-testid="notices">
            <For each=move || notices.list.get() key=|n| n.id let:notice>
                <li class=format!("notice {}", notice.level.id()) data-testid="notice"
                    data-level=notice.level.id() role=if notice.level == Level::Error { "alert" } else { "status" }>
                    <span>{notice.text.clone()}</span>
                    <button class="dismiss" title="Dismiss" on:click=move |_| notices.dismiss(notice.id)>"×"</button>
                </li>
            </For>
        </ul>
    }
}
