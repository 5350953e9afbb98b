//! Rebuilds the crate when a migration changes: `sqlx::migrate!` embeds the files at
//! compile time, and without this an incremental build keeps the old ones.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
