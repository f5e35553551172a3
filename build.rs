//! Lays out the functions a process start runs next to each other
//! (tools/startup-order/gen explains why and regenerates the list): the
//! linker (rust-lld, the toolchain's default here) takes the list as a
//! symbol ordering file. Names missing from a build are skipped quietly.

fn main() {
    let order =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/startup-order/order.txt");
    println!("cargo:rerun-if-changed={}", order.display());
    if order.exists() {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}
