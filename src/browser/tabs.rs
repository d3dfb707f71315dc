//! Tabs of one project: an edit lock per project (Web Locks, `navigator.locks`), so that one
//! tab edits and the others follow read-only, and a `BroadcastChannel` on which tabs say what
//! they stored and ask the editing tab to let go.
//!
//! Web Locks are called through `js_sys::Reflect`: web-sys has them only behind the
//! `web_sys_unstable_apis` cfg, which would also change the other bindings the app and its
//! dependencies compile against. A lock is held for as long as the tab has the project open
//! (the browser releases it when the tab closes or crashes).

use std::cell::RefCell;

use js_sys::{Function, Object, Promise, Reflect};
use serde::{Deserialize, Serialize};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

const CHANNEL: &str = "microact";

/// What tabs tell each other.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Message {
    /// Edits up to `seq` of `project` are stored.
    Saved { project: String, seq: u64 },
    /// A tab asks the one editing `project` to let go.
    Release { project: String },
}

thread_local! {
    static BROADCAST: RefCell<Option<web_sys::BroadcastChannel>> = const { RefCell::new(None) };
    /// The locks this tab holds: the project and the function that releases it.
    static HELD: RefCell<Vec<(String, Function)>> = const { RefCell::new(Vec::new()) };
}

/// Calls `on` with every message another tab sends (once per page).
pub fn listen(on: impl Fn(Message) + 'static) {
    let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL) else {
        return;
    };
    let handler = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
        if let Some(text) = e.data().as_string()
            && let Ok(message) = serde_json::from_str(&text)
        {
            on(message);
        }
    });
    channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // The page's whole life.
    handler.forget();
    BROADCAST.with(|b| *b.borrow_mut() = Some(channel));
}

/// Tells the other tabs.
pub fn say(message: &Message) {
    let Ok(text) = serde_json::to_string(message) else {
        return;
    };
    BROADCAST.with(|b| {
        if let Some(channel) = b.borrow().as_ref() {
            let _ = channel.post_message(&JsValue::from_str(&text));
        }
    });
}

fn lock_name(project: &str) -> String {
    format!("microact:project:{project}")
}

/// How to ask for a project's lock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Ask {
    /// Now or not at all.
    IfFree,
    /// Queue until the holder lets go (or closes).
    Wait,
    /// Take it from the holder, who is told by `lost`.
    Steal,
}

/// What became of a request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Claim {
    /// This tab holds the lock now.
    Granted,
    /// Another tab holds it.
    Busy,
    /// The browser has no Web Locks: nothing coordinates tabs.
    Unsupported,
}

/// Asks for `project`'s lock; `granted` is called once with the outcome. A granted lock is held
/// until [`release`] (or until the tab closes); `lost` runs if another tab steals it.
pub fn request(
    project: &str,
    ask: Ask,
    granted: impl FnOnce(Claim) + 'static,
    lost: impl FnOnce() + 'static,
) {
    let locks = web_sys::window()
        .and_then(|w| Reflect::get(&w.navigator(), &JsValue::from_str("locks")).ok())
        .filter(|l| !l.is_undefined() && !l.is_null());
    let method = locks
        .as_ref()
        .and_then(|l| Reflect::get(l, &JsValue::from_str("request")).ok())
        .and_then(|f| f.dyn_into::<Function>().ok());
    let (Some(locks), Some(method)) = (locks, method) else {
        granted(Claim::Unsupported);
        return;
    };
    let options = Object::new();
    let flag = match ask {
        Ask::IfFree => Some("ifAvailable"),
        Ask::Steal => Some("steal"),
        Ask::Wait => None,
    };
    if let Some(flag) = flag {
        let _ = Reflect::set(&options, &JsValue::from_str(flag), &JsValue::TRUE);
    }
    let name = project.to_string();
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        if lock.is_null() {
            granted(Claim::Busy);
            return JsValue::UNDEFINED;
        }
        // Held until the promise resolves.
        let mut release = None;
        let held = Promise::new(&mut |resolve, _| release = Some(resolve));
        if let Some(release) = release {
            HELD.with(|h| h.borrow_mut().push((name, release)));
        }
        granted(Claim::Granted);
        held.into()
    });
    let outcome = method.call3(
        &locks,
        &JsValue::from_str(&lock_name(project)),
        &options,
        &callback,
    );
    // The request's promise rejects (AbortError) when another tab steals the lock.
    if let Some(promise) = outcome.ok().and_then(|p| p.dyn_into::<Promise>().ok()) {
        wasm_bindgen_futures::spawn_local(async move {
            if wasm_bindgen_futures::JsFuture::from(promise).await.is_err() {
                lost();
            }
        });
    }
}

/// Whether this tab holds `project`'s lock.
pub fn holds(project: &str) -> bool {
    HELD.with(|h| h.borrow().iter().any(|(p, _)| p == project))
}

/// Releases every lock this tab holds but `keep`'s.
pub fn release_all_but(keep: Option<&str>) {
    let gone: Vec<Function> = HELD.with(|h| {
        let mut held = h.borrow_mut();
        let (kept, gone): (Vec<_>, Vec<_>) =
            held.drain(..).partition(|(p, _)| Some(p.as_str()) == keep);
        *held = kept;
        gone.into_iter().map(|(_, f)| f).collect()
    });
    for release in gone {
        let _ = release.call0(&JsValue::NULL);
    }
}

/// [`request`] as a future of its outcome (`lost` as for `request`).
pub async fn claim(project: &str, ask: Ask, lost: impl FnOnce() + 'static) -> Claim {
    let (send, outcome) = futures_channel::oneshot::channel();
    request(
        project,
        ask,
        move |claim| {
            let _ = send.send(claim);
        },
        lost,
    );
    // A request the browser never answers leaves nothing to coordinate with.
    outcome.await.unwrap_or(Claim::Unsupported)
}
