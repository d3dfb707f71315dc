//! Offline use: a header badge saying whether the app and its models are cached for use without
//! a network (the service worker, `browser::offline`), and the bar that offers a new version.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::offline::{self, Offline};
use crate::ui::notices::Notices;

#[component]
pub fn OfflineBadge() -> impl IntoView {
    let notices = expect_context::<Notices>();
    let state = RwSignal::new(None::<Offline>);
    spawn_local(async move {
        if let Err(why) = offline::register(move |s| state.set(Some(s))).await {
            notices.error(format!(
                "microact could not be cached for offline use ({why}); it still works while online."
            ));
        }
    });
    let id = move || match state.get() {
        None => "starting",
        Some(Offline::Unsupported) => "unsupported",
        Some(Offline::Caching) => "caching",
        Some(Offline::Ready) => "ready",
        Some(Offline::UpdateWaiting) => "update",
    };
    let text = move || match state.get() {
        None | Some(Offline::Caching) => "saving for offline use…",
        Some(Offline::Unsupported) => "online only",
        Some(Offline::Ready | Offline::UpdateWaiting) => "works offline",
    };
    let title = move || match state.get() {
        Some(Offline::Unsupported) => {
            "This browser cannot keep microact for offline use here; it still runs entirely in the page."
        }
        _ => {
            "microact and its models are kept in this browser, so it starts and runs with the network off. Nothing you open is ever uploaded."
        }
    };
    let take = move |_| {
        if let Err(why) = offline::take_update() {
            notices.error(format!("The new version could not be started: {why}"));
        }
    };
    view! {
        <span class="offline-badge" data-testid="offline" data-state=id title=title>{text}</span>
        <Show when=move || state.get() == Some(Offline::UpdateWaiting)>
            <div class="update-bar" role="status" data-testid="update-ready">
                "A new version of microact is ready. "
                <button data-testid="update-reload" on:click=take>"Reload"</button>
            </div>
        </Show>
    }
}
