//! Cooperative pauses for long work on the page's one thread: the CPU pose pass and the scoring
//! of a whole clip run between the page's other tasks (drawing, input), not instead of them. The
//! page hands in a [`Pause`] that lets its event loop run when enough time has passed since the
//! last one; natively there is none and nothing waits.

use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

/// Resolves once the caller's event loop has had a turn (or at once, when it is not yet due).
pub type Pause = Rc<dyn Fn() -> Pin<Box<dyn Future<Output = ()>>>>;

/// Waits on `pause`, if there is one.
pub async fn pause(pause: Option<&Pause>) {
    if let Some(pause) = pause {
        pause().await;
    }
}
