//! The service worker (`sw.js`, written into the build by `scripts/offline/build.mjs`): registered
//! at start so that the app and its models are cached for the next visit, offline included. A
//! newer version that has installed waits; [`take_update`] hands over to it and reloads.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState};

use super::js_error_text;

thread_local! {
    static REGISTRATION: RefCell<Option<ServiceWorkerRegistration>> = const { RefCell::new(None) };
}

/// Where the page stands with its offline copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offline {
    /// This browser has no service workers (or not here: a page that is not a secure context).
    Unsupported,
    /// The worker is installing: the app and models are being cached.
    Caching,
    /// A worker controls the page: everything is cached.
    Ready,
    /// A newer version is cached and waits for [`take_update`].
    UpdateWaiting,
}

fn container() -> Option<ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    let has = js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false);
    has.then(|| navigator.service_worker())
}

/// Registers `sw.js` and reports each change of [`Offline`] to `on_change`; an error (a refused
/// registration) as text.
pub async fn register(on_change: impl Fn(Offline) + 'static) -> Result<(), String> {
    let Some(workers) = container() else {
        on_change(Offline::Unsupported);
        return Ok(());
    };
    let on_change = Rc::new(on_change);
    let registration: ServiceWorkerRegistration = JsFuture::from(workers.register("sw.js"))
        .await
        .map_err(|e| js_error_text(&e))?
        .unchecked_into();
    REGISTRATION.with(|r| *r.borrow_mut() = Some(registration.clone()));
    let controlled = workers.controller().is_some();
    on_change(if registration.waiting().is_some() && controlled {
        Offline::UpdateWaiting
    } else if controlled || registration.active().is_some() {
        Offline::Ready
    } else {
        Offline::Caching
    });
    // A worker that starts installing: caching, then ready (the first) or waiting (a newer one).
    let watched = registration.clone();
    let report = on_change.clone();
    let on_update = Closure::<dyn Fn()>::new(move || {
        let Some(worker) = watched.installing() else {
            return;
        };
        report(Offline::Caching);
        let report = report.clone();
        let seen = worker.clone();
        let on_state = Closure::<dyn Fn()>::new(move || match seen.state() {
            ServiceWorkerState::Installed => {
                let controlled = container().is_some_and(|c| c.controller().is_some());
                report(if controlled {
                    Offline::UpdateWaiting
                } else {
                    Offline::Ready
                });
            }
            ServiceWorkerState::Activated => {
                if registration_waiting().is_none() {
                    report(Offline::Ready);
                }
            }
            _ => {}
        });
        worker.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
        // Lives as long as the page: a worker's state changes a few times at most.
        on_state.forget();
    });
    registration.set_onupdatefound(Some(on_update.as_ref().unchecked_ref()));
    on_update.forget();
    Ok(())
}

fn registration_waiting() -> Option<web_sys::ServiceWorker> {
    REGISTRATION.with(|r| r.borrow().as_ref().and_then(|r| r.waiting()))
}

/// Hands the page to the waiting version and reloads once it has taken over.
pub fn take_update() -> Result<(), String> {
    let (Some(container), Some(waiting)) = (container(), registration_waiting()) else {
        return Err("no new version is waiting".into());
    };
    let reload = Closure::<dyn Fn()>::new(|| {
        if let Some(w) = web_sys::window() {
            let _ = w.location().reload();
        }
    });
    container.set_oncontrollerchange(Some(reload.as_ref().unchecked_ref()));
    reload.forget();
    waiting
        .post_message(&"skip-waiting".into())
        .map_err(|e| js_error_text(&e))
}
