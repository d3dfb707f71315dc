//! The page: contexts, and the panels laid out.

use leptos::prelude::*;

use crate::ui::actions_panel::{ActionsPanel, PoseFeed};
use crate::ui::analysis_panel::AnalysisPanel;
use crate::ui::boxes::BoxLayer;
use crate::ui::compute_panel::{Compute, ComputePanel};
use crate::ui::data_panel::DataPanel;
use crate::ui::diagnostics::Diagnostics;
use crate::ui::editor::Editor;
use crate::ui::engine::{EngineBadge, EngineHandle};
use crate::ui::gestures::GesturePanel;
use crate::ui::help::Help;
use crate::ui::import_export::ImportExport;
use crate::ui::keyboard::Keyboard;
use crate::ui::models_panel::{ModelsPanel, RecognizerChoice};
use crate::ui::notices::{NoticeList, Notices};
use crate::ui::offline::OfflineBadge;
use crate::ui::palette::Palette;
use crate::ui::playback::Playback;
use crate::ui::player::Player;
use crate::ui::pose_panel::{MultiPoseChoice, PosePanel};
use crate::ui::project_bar::ProjectBar;
use crate::ui::projects::Projects;
use crate::ui::teach_panel::TeachPanel;
use crate::ui::timeline::Timeline;
use crate::ui::viewer::Viewer;

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
    // The workspace's units, each over the editor: playback, keys, stored projects, transfer.
    let editor = Editor::new(notices, viewer);
    provide_context(editor);
    let playback = Playback::new(editor);
    provide_context(playback);
    let keyboard = Keyboard::new(editor, playback);
    provide_context(keyboard);
    let projects = Projects::new(editor, playback, keyboard.keymap);
    provide_context(projects);
    provide_context(ImportExport::new(editor, projects));
    playback.install();
    keyboard.install();
    projects.install();
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
                <Player><BoxLayer/></Player>
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
