//! Stamps the binary with the commit it was built from, for `/about`.
//!
//! `INSSA_COMMIT` in the build's environment wins (the image build has no
//! `.git`: the release workflow passes the commit as a build argument);
//! otherwise `git rev-parse`, and "unknown" when neither is there.

use std::{path::Path, process::Command};

fn main() {
    println!("cargo:rerun-if-env-changed=INSSA_COMMIT");
    let git_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.git");
    // A new commit moves the branch's ref, not HEAD itself.
    println!("cargo:rerun-if-changed={}", git_dir.join("HEAD").display());
    if let Ok(head) = std::fs::read_to_string(git_dir.join("HEAD")) {
        if let Some(reference) = head.trim().strip_prefix("ref: ") {
            println!("cargo:rerun-if-changed={}", git_dir.join(reference).display());
        }
    }
    println!("cargo:rerun-if-changed={}", git_dir.join("packed-refs").display());
    let commit = std::env::var("INSSA_COMMIT").ok().filter(|c| !c.trim().is_empty()).or_else(|| {
        let out = Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    });
    let commit = commit.filter(|c| c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '.' || ch == '-'));
    println!("cargo:rustc-env=INSSA_COMMIT={}", commit.as_deref().unwrap_or("unknown"));
}
