//! Embeds the book's labs: `labs/labs.yaml` and every `labs/<id>/lab.yaml` of the repository,
//! so that an installed `checker` (and `mdbook-lab`) is self-contained. Which labs the book has
//! and in which order is the catalog's business (checked when it is parsed, see `catalog.rs`);
//! this only finds the files. Adding a lab needs no Rust: cargo rebuilds when `labs/` changes.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let labs = Path::new(&manifest_dir).join("../labs");
    println!("cargo::rerun-if-changed={}", labs.display());
    let catalog = labs.join("labs.yaml");
    assert!(catalog.is_file(), "{} is missing: the book's catalog of labs", catalog.display());

    let mut dirs: Vec<String> = std::fs::read_dir(&labs)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", labs.display()))
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().join("lab.yaml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();

    let mut out = String::new();
    let _ = writeln!(out, "/// `labs/labs.yaml` as built in.");
    let _ = writeln!(out, "pub(crate) const CATALOG: &str = include_str!({:?});", path(&catalog));
    let _ = writeln!(out, "/// Every `labs/<dir>/lab.yaml` as built in: (dir, text).");
    let _ = writeln!(out, "pub(crate) const LABS: &[(&str, &str)] = &[");
    for dir in &dirs {
        let file = labs.join(dir).join("lab.yaml");
        let _ = writeln!(out, "    ({dir:?}, include_str!({:?})),", path(&file));
    }
    let _ = writeln!(out, "];");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_labs.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("cannot write {}: {e}", dest.display()));
}

fn path(p: &Path) -> String {
    p.canonicalize().unwrap_or_else(|e| panic!("{}: {e}", p.display())).to_string_lossy().into_owned()
}
