//! The keyboard help overlay (`?`): every command with its keys, each rebindable (press the new
//! key; Escape keeps the old one), saved with the settings.

use leptos::prelude::*;

use crate::ui::keyboard::Keyboard;
use crate::workspace::keys::Command;

#[component]
pub fn Help() -> impl IntoView {
    let a = expect_context::<Keyboard>();
    let rows = move || {
        let map = a.keymap.get();
        let waiting = a.rebinding.get();
        Command::ALL
            .into_iter()
            .map(|c| {
                let keys: Vec<String> = map.chords(c).map(|k| k.to_string()).collect();
                let id = format!("{c:?}");
                view! {
                    <tr data-testid="help-row" data-command=id>
                        <td>{c.describe()}</td>
                        <td>{keys.into_iter().map(|k| view! { <kbd>{k}</kbd> }).collect_view()}</td>
                        <td>
                            <button class="small" data-testid="rebind" on:click=move |_| a.rebinding.set(Some(c))>
                                {if waiting == Some(c) { "press a key…" } else { "change" }}
                            </button>
                        </td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <Show when=move || a.help.get()>
            <div class="overlay" data-testid="help" role="dialog" aria-label="Keyboard shortcuts"
                on:click=move |_| a.help.set(false)>
                <div class="overlay-body" on:click=|e| e.stop_propagation()>
                    <h2>"Keyboard"</h2>
                    <p class="hint">"Label keys (shown in the palette) pick a label while paused — and relabel the selected segment; held down while playing they record a segment for as long as they are held."</p>
                    <table class="keys"><tbody>{rows}</tbody></table>
                    <div class="controls">
                        <button data-testid="keys-reset" on:click=move |_| a.reset_keymap()>"Reset to defaults"</button>
                        <button data-testid="help-close" on:click=move |_| a.help.set(false)>"Close"</button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
