//! The selected segment's details under the timeline: its label path, times, source and status,
//! its note, and what can be done to it (accept or reject a proposal, split, merge, loop, delete).

use leptos::prelude::*;
use microact_core::edit::Edit;
use microact_core::model::{SegmentId, Source, Status};

use crate::readout;
use crate::ui::editor::Editor;
use crate::ui::keyboard::Keyboard;
use crate::ui::playback::Playback;
use crate::workspace::keys::Command;

/// The selected segment: its label, times, source and status, note, and what can be done to it.
#[component]
pub fn SegmentDetails() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let keyboard = expect_context::<Keyboard>();
    let playback = expect_context::<Playback>();
    let ws = editor.ws;
    // Rebuilt when another segment is selected; its fields follow edits reactively, so typing a
    // note keeps the focus in the note.
    let selected_id =
        Memo::new(move |_| ws.with(|w| w.selected.filter(|&id| w.project.segment(id).is_some())));
    let facts = move |id: SegmentId| {
        ws.with(|w| {
            let (track, s) = w.project.segment(id)?;
            let video = w.project.video(track.video)?;
            let path = w
                .project
                .label_set(&s.label.set)
                .map(|set| set.path(&s.label.label).join(" › "))
                .unwrap_or_else(|| s.label.label.clone());
            Some((
                s.clone(),
                path,
                video.seconds(s.start),
                video.seconds(s.end),
                track.meta.name.clone(),
            ))
        })
    };
    let group = 3_000_000u64;
    view! {
        {move || selected_id.get().map(|id| {
            let proposed = move || facts(id).is_some_and(|(s, ..)| s.status == Status::Proposed);
            let path = move || facts(id).map(|(_, p, ..)| p).unwrap_or_default();
            let line = move || {
                let Some((s, _, t0, t1, track)) = facts(id) else { return String::new() };
                let who = match &s.source {
                    Source::Human { annotator } => format!("by {annotator}"),
                    Source::Model { name, version, score } => format!("proposed by {name} {version} (score {score:.2})"),
                };
                format!("{track} · {} – {} · frames {}–{} · {who} · {}", readout::clock(t0), readout::clock(t1), s.start, s.end, s.status.as_str())
            };
            let note = move || facts(id).and_then(|(s, ..)| s.note).unwrap_or_default();
            view! {
                <div class="segment-details" data-testid="segment-details" data-seg=id.0.to_string()>
                    <strong data-testid="details-label">{path}</strong>
                    <span class="readout">{line}</span>
                    <textarea data-testid="segment-note" placeholder="Note" rows="1"
                        prop:value=note
                        on:input=move |e| {
                            let v = event_target_value(&e);
                            editor.run(|w| {
                                let edit = Edit::set_note(&w.project, id, (!v.is_empty()).then_some(v)).map_err(|e| e.to_string())?;
                                w.apply_in_group("edit note", edit, group)
                            });
                        }
                        on:change=move |_| ws.update(|w| w.seal())></textarea>
                    <div class="controls">
                        <Show when=proposed>
                            <button data-testid="accept" on:click=move |_| { editor.run(|w| w.set_status(id, Status::Accepted)); }>"Accept"</button>
                            <button data-testid="reject" on:click=move |_| { editor.run(|w| w.set_status(id, Status::Rejected)); }>"Reject"</button>
                        </Show>
                        <button data-testid="split" title="Split at the playhead (S)" on:click=move |_| keyboard.command(Command::Split)>"Split"</button>
                        <button data-testid="merge" title="Merge with the next segment (M)" on:click=move |_| keyboard.command(Command::MergeNext)>"Merge next"</button>
                        <button data-testid="loop" title="Loop this segment (L)" on:click=move |_| playback.toggle_loop()>
                            {move || if playback.looping.get().is_some() { "Stop loop" } else { "Loop" }}
                        </button>
                        <button data-testid="delete" title="Delete (Delete)" on:click=move |_| keyboard.command(Command::Delete)>"Delete"</button>
                    </div>
                </div>
            }
        })}
    }
}
