fn main() {
    microact::browser::install_panic_hook();
    match microact::ui::bench::requested() {
        Some(runs) => leptos::mount::mount_to_body(move || {
            leptos::view! { <microact::ui::bench::PoseBench runs=runs /> }
        }),
        None => leptos::mount::mount_to_body(microact::App),
    }
}
