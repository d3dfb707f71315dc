fn main() {
    microact::browser::install_panic_hook();
    leptos::mount::mount_to_body(microact::App);
}
