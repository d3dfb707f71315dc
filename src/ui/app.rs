//! The page: contexts, and the panels laid out.

use leptos::prelude::*;

use crate::ui::actions_panel::{ActionsPanel, PoseFeed};
use crate::ui::analysis_panel::AnalysisPanel;
use crate::ui::annotate::Annotate;
use crate::ui::compute_panel::{Compute, ComputePanel};
use crate::ui::data_panel::DataPanel;
use crate::ui::diagnostics::Diagnostics;
use crate::ui::engine::{EngineBadge, EngineHandle};
use crate::ui::gestures::GesturePanel;
use crate::ui::help::Help;
use crate::ui::models_panel::{ModelsPanel, RecognizerChoice};
use crate::ui::notices::{NoticeList, Notices};
use crate::ui::offline::OfflineBadge;
use crate::ui::palette::Palette;
use crate::ui::player::{Player, Viewer};
use crate::ui::pose_panel::{MultiPoseChoice, PosePanel};
use crate::ui::project_bar::ProjectBar;
use crate::ui::teach_panel::TeachPanel;
use crate::ui::timeline::Timeline;

#[component]
pub fn App() -> impl IntoView {
    let notices = Notices::new();
    provide_context(notices);
    provide_context(Compute::new(notices));
    provide_context(EngineHandle::new(notices));
    provide_context(PoseFeed::new());
    provide_context(RecognizerChoice::new());
    provide_context(MultiPoseChoice::new());
    let viewer = Viewer::new(notices);
    provide_context(viewer);
    let annotate = Annotate::new(notices, viewer);
    provide_context(annotate);
    annotate.install();
    view! {
        <header class="top">
            <h1>"microact"</h1>
            <ProjectBar/>
            <ComputePanel/>
            <EngineBadge/>
            <OfflineBadge/>
        </header>
        <main class="workspace">
            <div class="main-column">
                <Player/>
                <Timeline/>
            </div>
            <aside class="side-column">
                <Palette/>
                <PosePanel/>
                <ActionsPanel/>
                <AnalysisPanel/>
                <TeachPanel/>
                <GesturePanel/>
                <ModelsPanel/>
                <DataPanel/>
                <Diagnostics/>
            </aside>
        </main>
        <footer>
            <NoticeList/>
        </footer>
        <Help/>
    }
}
