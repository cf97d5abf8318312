//! `sqlx::migrate!` embeds the migrations when the crate compiles; this makes
//! adding or editing a migration file recompile it (cargo does not watch the
//! folder otherwise), so a binary never starts with an old set.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
