//! The page: contexts, and the panels laid out.

use leptos::prelude::*;

use crate::ui::compute_panel::{Compute, ComputePanel};
use crate::ui::frame_probe::FrameProbe;
use crate::ui::notices::{NoticeList, Notices};
use crate::ui::player::{Player, Viewer};
use crate::ui::pose_panel::PosePanel;

#[component]
pub fn App() -> impl IntoView {
    let notices = Notices::new();
    provide_context(notices);
    provide_context(Compute::new());
    provide_context(Viewer::new(notices));
    view! {
        <header class="top">
            <h1>"microact"</h1>
            <ComputePanel/>
        </header>
        <main class="workspace">
            <Player/>
            <PosePanel/>
            <FrameProbe/>
        </main>
        <footer>
            <NoticeList/>
        </footer>
    }
}
