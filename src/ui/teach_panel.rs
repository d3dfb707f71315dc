//! "Teach from my labels": the project's labelled segments taught to a model in the engine
//! (progress, cancel), the taught versions with what their check found, proposals with one, and
//! a taught model exported to and imported from a file.

use leptos::prelude::*;
use leptos::task::spawn_local;
use microact_core::taught::TaughtModel;
use microact_protocol::{Reply, Request};

use crate::browser::{dom, files};
use crate::ui::compute_panel::Compute;
use crate::ui::editor::Editor;
use crate::ui::engine::EngineHandle;
use crate::ui::models_panel::RecognizerChoice;

/// The shipped recognizer whose embedding a new model is taught in, until the person picks
/// another (everyday actions; `docs/benchmarks.md` compares the two on unseen classes).
pub const DEFAULT_BASE: &str = "jhmdb-ddnet";

#[derive(Clone, Copy)]
struct Teacher {
    annotate: Editor,
    engine: EngineHandle,
    compute: Compute,
    choice: RecognizerChoice,
    /// Windows embedded of how many, while teaching.
    windows: RwSignal<(u32, u32)>,
    base: RwSignal<String>,
    fine_tune: RwSignal<bool>,
    /// The version shown (the newest when `None`).
    shown: RwSignal<Option<u32>>,
    said: RwSignal<String>,
}

impl Teacher {
    async fn teach(self) {
        let lesson = self.annotate.ws.with_untracked(|w| w.lesson());
        if lesson.examples.is_empty() {
            self.annotate.notices.error(if lesson.without_poses > 0 {
                format!("None of the {} labelled segments has poses: analyse their clip first (Analyse clip), then teach.", lesson.without_poses)
            } else {
                "There is nothing to teach from yet: label a few segments of each action first.".to_string()
            });
            return;
        }
        self.windows.set((0, 0));
        let windows = self.windows;
        let (segments, labels) = (lesson.examples.len(), lesson.labels.len());
        let request = Request::Teach {
            base: self.base.get_untracked(),
            backend: self.compute.backend.get_untracked(),
            version: lesson.version,
            labels: lesson.labels,
            examples: lesson.examples,
            fine_tune: self.fine_tune.get_untracked(),
        };
        let reply = taught_in_engine(self.engine, request, move |done, total| {
            windows.set((done, total))
        })
        .await;
        match reply {
            Ok(Some(model)) => {
                let version = model.version;
                let ms = model.teach_ms;
                if self.annotate.run(|w| w.take_taught(model)).is_some() {
                    self.shown.set(Some(version));
                    self.said.set(format!(
                        "Taught v{version} from {segments} segments of {labels} labels in {ms:.0} ms."
                    ));
                }
            }
            Ok(None) => self.said.set("Teaching cancelled.".into()),
            Err(why) => self.annotate.notices.error(why),
        }
    }

    fn cancel(self) {
        let engine = self.engine.get();
        spawn_local(async move {
            // A stopped engine is teaching nothing: nothing to say if this fails.
            let _ = engine.call(Request::Cancel, None, |_| {}).await;
        });
    }

    /// The taught model shown (the newest unless one was picked), by reference to `read`.
    fn with_model<T>(self, read: impl FnOnce(Option<&TaughtModel>) -> T) -> T {
        let shown = self.shown.get();
        self.annotate.ws.with(|w| {
            let taught = &w.project.taught;
            read(match shown {
                Some(v) => taught.iter().find(|m| m.version == v),
                None => taught.last(),
            })
        })
    }

    fn model(self) -> Option<TaughtModel> {
        self.with_model(|m| m.cloned())
    }

    /// The shown model's version, without copying the model.
    fn shown_version(self) -> Option<u32> {
        self.with_model(|m| m.map(|m| m.version))
    }

    async fn propose(self) {
        let Some(model) = self.model() else {
            return;
        };
        let people = self.annotate.ws.with_untracked(|w| w.taught_people());
        if people.is_empty() {
            self.annotate
                .notices
                .error("No track has poses to propose on: analyse a clip first.");
            return;
        }
        let version = model.version_name();
        let request = Request::ProposeTaught {
            model,
            backend: self.compute.backend.get_untracked(),
            people: people.iter().map(|(_, p)| p.clone()).collect(),
        };
        let reply = self.engine.get().call(request, None, |_| {}).await;
        match reply {
            Ok(Reply::TaughtProposals { people: got, ms }) => {
                let by_track = got
                    .into_iter()
                    .filter_map(|p| Some((people.get(p.id as usize)?.0, p.proposals)))
                    .collect();
                if let Some(n) = self
                    .annotate
                    .run(|w| w.take_taught_proposals(&version, by_track))
                {
                    self.said.set(format!(
                        "{version} proposed {n} segments on {} tracks in {ms:.0} ms.",
                        people.len()
                    ));
                }
            }
            Ok(Reply::Failed { message }) => self.annotate.notices.error(message),
            Ok(_) => self
                .annotate
                .notices
                .error("The engine answered something else."),
            Err(e) => self.annotate.notices.error(e.to_string()),
        }
    }

    /// The taught version live actions follow, if any.
    fn live_version(self) -> Option<u32> {
        self.choice.1.with(|m| m.as_ref().map(|m| m.version))
    }

    /// Live actions and clip analysis follow the model shown, or the shipped recognizer again.
    fn toggle_live(self) {
        let model = match self.live_version() {
            Some(_) => None,
            None => self.model(),
        };
        self.choice.1.set(model);
    }

    fn export(self) {
        let Some(model) = self.model() else {
            return;
        };
        let name = format!("taught-{}.microact-model.json", model.version_name());
        if let Err(e) = dom::download(&name, "application/json", model.to_file().as_bytes()) {
            self.annotate
                .notices
                .error(format!("{name} could not be downloaded: {e}"));
        }
    }

    async fn import(self, picked: Vec<files::PickedFile>) {
        let Some(file) = picked.into_iter().next() else {
            return;
        };
        {
            let read = dom::read(&file).await.and_then(|bytes| {
                TaughtModel::from_file(&String::from_utf8_lossy(&bytes)).map_err(|e| e.to_string())
            });
            match read {
                Ok(mut model) => {
                    let from = model.version_name();
                    model.version = self.annotate.ws.with_untracked(|w| w.next_taught_version());
                    let version = model.version;
                    if self.annotate.run(|w| w.take_taught(model)).is_some() {
                        self.shown.set(Some(version));
                        self.said.set(format!(
                            "Imported {} ({from} there) as v{version}.",
                            file.name
                        ));
                    }
                }
                Err(why) => self
                    .annotate
                    .notices
                    .error(format!("{} was not imported: {why}", file.name)),
            }
        }
    }
}

/// A `Request::Teach` answered by the engine: the taught model, `None` when cancelled, or what
/// went wrong in words; `progress(done, total)` hears each batch of windows.
pub async fn taught_in_engine(
    engine: EngineHandle,
    request: Request,
    progress: impl Fn(u32, u32) + 'static,
) -> Result<Option<TaughtModel>, String> {
    let reply = engine
        .get()
        .call(request, None, move |r| {
            if let Reply::Teaching { done, total } = r {
                progress(*done, *total);
            }
        })
        .await
        .map_err(|e| e.to_string())?;
    match reply {
        Reply::Taught { model } => Ok(Some(model)),
        Reply::Done => Ok(None),
        Reply::Failed { message } => Err(message),
        _ => Err("The engine answered something else.".into()),
    }
}

#[component]
pub fn TeachPanel() -> impl IntoView {
    let annotate = expect_context::<Editor>();
    let t = Teacher {
        annotate,
        engine: expect_context::<EngineHandle>(),
        compute: expect_context::<Compute>(),
        choice: expect_context::<RecognizerChoice>(),
        windows: RwSignal::new((0, 0)),
        base: RwSignal::new(DEFAULT_BASE.to_string()),
        fine_tune: RwSignal::new(false),
        shown: RwSignal::new(None),
        said: RwSignal::new(String::new()),
    };
    let teach = Action::new_local(move |_: &()| t.teach());
    let propose = Action::new_local(move |_: &()| t.propose());
    let import = Action::new_local(move |picked: &Vec<files::PickedFile>| t.import(picked.clone()));
    let (teaching, proposing) = (teach.pending(), propose.pending());
    let busy = move || teaching.get() || proposing.get();
    view! {
        <details class="teach-panel" data-testid="teach" open=true
            data-state=move || if teaching.get() { "teaching" } else if proposing.get() { "proposing" } else { "idle" }
            data-models=move || annotate.ws.with(|w| w.project.taught.len())>
            <summary>"Teach from my labels"</summary>
            <p class="hint" data-testid="teach-summary">{move || lesson_summary(annotate)}</p>
            <div class="controls">
                <label>"Embedding "
                    <select data-testid="teach-base" on:change=move |e| t.base.set(event_target_value(&e))>
                        <option value="jhmdb-ddnet" selected=true>"jhmdb-ddnet (everyday actions)"</option>
                        <option value="penn-ddnet">"penn-ddnet (sports)"</option>
                    </select>
                </label>
                <label title="Also train a linear head over the embedding in the engine (Burn autodiff): a few seconds more">
                    <input type="checkbox" data-testid="teach-fine-tune" prop:checked=move || t.fine_tune.get()
                        on:change=move |e| t.fine_tune.set(event_target_checked(&e)) />
                    " fine-tune"
                </label>
                <button data-testid="teach-run" disabled=busy on:click=move |_| { teach.dispatch_local(()); }>"Teach from my labels"</button>
                <TeachProgress teaching proposing windows=t.windows on_cancel=move || t.cancel() />
            </div>
            <p data-testid="teach-said">{move || t.said.get()}</p>
            <Show when=move || t.shown_version().is_some()>
                <TaughtVersion t busy=Signal::derive(busy) propose />
            </Show>
            <label class="button small">"Import a taught model…"
                <input type="file" accept=".json" class="visually-hidden" data-testid="taught-import"
                    on:change=move |e| { import.dispatch_local(files::from_input(&e)); } />
            </label>
        </details>
    }
}

/// What the project's labels can teach, in words.
fn lesson_summary(annotate: Editor) -> String {
    let (segments, labels, without_poses) = annotate.ws.with(|w| w.lesson_counts());
    let mut text =
        format!("{segments} labelled segments of {labels} labels have poses to learn from.");
    if without_poses > 0 {
        text += &format!(" {without_poses} have none yet: analyse their clip first.");
    }
    text
}

/// The taught version shown (a menu of them), what can be done with it, and its check.
#[component]
fn TaughtVersion(t: Teacher, busy: Signal<bool>, propose: Action<(), ()>) -> impl IntoView {
    let versions = move || {
        t.annotate.ws.with(|w| {
            w.project
                .taught
                .iter()
                .rev()
                .map(|m| {
                    let v = m.version;
                    view! { <option value=v.to_string() selected=move || t.shown_version() == Some(v)>{m.version_name()}</option> }
                })
                .collect_view()
        })
    };
    view! {
        <div class="controls">
            <select data-testid="taught-version" on:change=move |e| t.shown.set(event_target_value(&e).parse().ok())>
                {versions}
            </select>
            <button data-testid="taught-propose" disabled=move || busy.get() on:click=move |_| { propose.dispatch_local(()); }>"Propose with it"</button>
            <button data-testid="taught-export" on:click=move |_| t.export()>"Export…"</button>
            <button data-testid="taught-live" on:click=move |_| t.toggle_live()>
                {move || if t.live_version().is_some() { "Back to the shipped recognizer" } else { "Use for live and analysis" }}
            </button>
        </div>
        {move || t.model().map(report)}
    }
}

/// The teach panel's progress while the engine works: windows embedded (with Cancel), or
/// proposing.
#[component]
fn TeachProgress(
    teaching: Memo<bool>,
    proposing: Memo<bool>,
    windows: RwSignal<(u32, u32)>,
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        if teaching.get() {
            let (done, total) = windows.get();
            Some(
                view! {
                    <span class="teach-progress">
                        <progress data-testid="teach-progress" max=total.max(1) value=done></progress>
                        {format!(" {done} of {total} windows")}
                        <button data-testid="teach-cancel" on:click=move |_| on_cancel()>"Cancel"</button>
                    </span>
                }
                .into_any(),
            )
        } else if proposing.get() {
            Some(
                view! { <span class="teach-progress">"proposing… " <progress></progress></span> }
                    .into_any(),
            )
        } else {
            None
        }
    }
}

/// What a taught model's check found: per label, the confusion table, the labels too close.
fn report(m: TaughtModel) -> impl IntoView {
    let pct = |v: Option<f32>| v.map_or("–".to_string(), |a| format!("{:.0} %", 100.0 * a));
    let names: Vec<String> = m.labels.iter().map(|l| l.label.label.clone()).collect();
    let rows = m
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let confusion = m.check.confusion.get(i).cloned().unwrap_or_default();
            view! {
                <tr data-testid="taught-label" data-label=l.label.label.clone()>
                    <td>{l.label.label.clone()}</td>
                    <td>{l.examples}</td>
                    <td>{l.windows}</td>
                    <td>{pct(l.loo_accuracy)}</td>
                    {confusion.into_iter().map(|n| view! { <td class="count">{n}</td> }).collect_view()}
                </tr>
            }
        })
        .collect_view();
    let heads = names
        .iter()
        .map(|n| view! { <th class="count" title=n.clone()>{n.chars().take(4).collect::<String>()}</th> })
        .collect_view();
    let close: Vec<String> = m
        .check
        .close
        .iter()
        .filter_map(|[a, b]| {
            Some(format!(
                "{} / {}",
                names.get(*a as usize)?,
                names.get(*b as usize)?
            ))
        })
        .collect();
    view! {
        <p data-testid="taught-check">{format!(
            "{}: leave-one-out {} · unknown beyond distance {:.3} · taught in {:.0} ms over {}{}",
            m.version_name(), pct(m.check.accuracy), m.unknown_distance, m.teach_ms, m.base.recognizer,
            m.head.as_ref().map(|h| format!(" · head fine-tuned {} steps, {} of its windows right", h.steps, pct(Some(h.train_accuracy)))).unwrap_or_default()
        )}</p>
        <table class="taught">
            <thead><tr><th>"label"</th><th>"examples"</th><th>"windows"</th><th>"left out"</th>{heads}</tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {(!close.is_empty()).then(|| view! {
            <p class="warning" data-testid="taught-close">{format!("Too close to tell apart: {}. Label more examples of these, or merge them.", close.join(", "))}</p>
        })}
    }
}
