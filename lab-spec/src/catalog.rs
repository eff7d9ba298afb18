//! The book's labs: several lab specs, in the book's order, loaded together.
//!
//! A checkout of the book holds its labs as data:
//!
//! ```text
//! book.toml
//! labs/labs.yaml              the catalog: which labs the book has, in its order
//! labs/<id>/lab.yaml          one lab's spec (its `id` is the directory's name)
//! manifests/…                 what the learner applies (the first lab's at the top, others in
//!                             manifests/<id>/)
//! src/…                       the chapters: the first lab's directly in src/, others in src/<id>/
//! ```
//!
//! The same files are built into the binaries ([`Labs::embedded`]); inside a checkout the local
//! files win ([`Labs::find_checkout`], [`Labs::load`]), as rustlings' `info.toml` does, so that
//! an edit shows without recompiling. A lab author's `--spec FILE` adds one more lab or replaces
//! the one with its id ([`Labs::with_spec`]).

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::bounded::read_spec_file;
use crate::{LabSpec, SpecError};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_labs.rs"));
}

/// The catalog, relative to a checkout's root.
pub const CATALOG_PATH: &str = "labs/labs.yaml";
/// The catalog format this crate understands.
pub const CATALOG_VERSION: u32 = 1;
/// What marks a checkout's root besides the catalog.
pub const BOOK_TOML: &str = "book.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogFile {
    version: u32,
    labs: Vec<String>,
}

/// One lab: its spec, the file it came from, and whether the book has it.
#[derive(Debug, Clone)]
pub struct Lab {
    pub spec: LabSpec,
    /// The spec's file as shown in messages: `labs/<id>/lab.yaml` (relative to the checkout),
    /// or the path given to `--spec`.
    pub file: String,
    /// Listed in the book's catalog (it has chapters and boxes), as opposed to a spec given
    /// with `--spec` that the book does not list.
    pub in_book: bool,
    /// Given with `--spec` (in place of the book's file, or besides the book's labs).
    pub given: bool,
}

impl Lab {
    pub fn id(&self) -> &str {
        &self.spec.id
    }
}

/// Where the labs were read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Built into the binary.
    Embedded,
    /// The files of a checkout, at this root.
    Checkout(PathBuf),
    /// Handed in by a program ([`Labs::single`]).
    Given,
}

/// The labs of one run, in the book's order: the book's, then any `--spec` lab it does not list.
#[derive(Debug, Clone)]
pub struct Labs {
    labs: Vec<Lab>,
    pub origin: Origin,
}

impl Labs {
    /// The labs built into this binary.
    pub fn embedded() -> Result<Labs, SpecError> {
        let files = embedded::LABS.iter().map(|(dir, text)| (dir.to_string(), text.to_string()));
        Labs::parse(embedded::CATALOG, files.collect(), Origin::Embedded)
    }

    /// A book of one lab.
    pub fn single(spec: LabSpec) -> Labs {
        let file = spec_path(&spec.id);
        Labs { labs: vec![Lab { spec, file, in_book: true, given: false }], origin: Origin::Given }
    }

    /// The text of an embedded lab's spec, by id.
    pub fn embedded_text(id: &str) -> Option<&'static str> {
        embedded::LABS.iter().find(|(dir, _)| *dir == id).map(|(_, text)| *text)
    }

    /// The root of the checkout `start` is in: the first directory from `start` upward that holds
    /// both a `book.toml` and `labs/labs.yaml`.
    pub fn find_checkout(start: &Path) -> Option<PathBuf> {
        start
            .ancestors()
            .find(|dir| dir.join(BOOK_TOML).is_file() && dir.join(CATALOG_PATH).is_file())
            .map(Path::to_path_buf)
    }

    /// The labs of the checkout at `root`: its catalog and every `labs/<dir>/lab.yaml`, each
    /// read within the bounds of [`read_spec_file`] (a regular file, its size capped, its YAML
    /// refused before it is parsed if its aliases would expand it past the limits), so that no
    /// reader of a checkout (the checker, `checker lint`, `mdbook-lab`) can be made to hang or
    /// to grow without bound by a lab file.
    pub fn load(root: &Path) -> Result<Labs, SpecError> {
        let catalog = read_spec_file(&root.join(CATALOG_PATH), CATALOG_PATH)?;
        let dir = root.join("labs");
        let entries = std::fs::read_dir(&dir).map_err(|e| SpecError::new("labs", e.to_string()))?;
        let mut files = Vec::new();
        for entry in entries.filter_map(|e| e.ok()) {
            // Whatever is there, unless the directory has none (a FIFO or a directory in its
            // place is refused, not skipped).
            let spec = entry.path().join(crate::SPEC_FILE);
            if entry.path().is_dir() && spec.symlink_metadata().is_ok() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let text = read_spec_file(&spec, &spec_path(&name))?;
                files.push((name, text));
            }
        }
        files.sort();
        Labs::parse(&catalog, files, Origin::Checkout(root.to_path_buf()))
    }

    /// The catalog's text and the spec of each `labs/<dir>/lab.yaml` as (dir, text), checked
    /// against each other: every listed lab has its file, every file is listed, each spec's id is
    /// its directory's name.
    pub fn parse(catalog: &str, files: Vec<(String, String)>, origin: Origin) -> Result<Labs, SpecError> {
        let parsed: CatalogFile = serde_yaml::from_str(catalog).map_err(|e| SpecError {
            line: e.location().map(|l| l.line()),
            ..SpecError::new(CATALOG_PATH, e.to_string())
        })?;
        let fail = |reason: String| SpecError::new(CATALOG_PATH, reason);
        if parsed.version != CATALOG_VERSION {
            return Err(fail(format!(
                "unsupported catalog version {} (this checker reads version {CATALOG_VERSION})",
                parsed.version
            )));
        }
        if parsed.labs.is_empty() {
            return Err(fail("the catalog lists no lab".into()));
        }
        let mut labs: Vec<Lab> = Vec::new();
        for id in &parsed.labs {
            if !crate::valid_lab_id(id) {
                return Err(fail(format!(
                    "`{id}` is not a lab id (lowercase letters, digits and `-`, as a directory name)"
                )));
            }
            if labs.iter().any(|l| l.id() == id) {
                return Err(fail(format!("`{id}` is listed twice")));
            }
            let Some((_, text)) = files.iter().find(|(dir, _)| dir == id) else {
                return Err(fail(format!("`{id}` is listed, but {} does not exist", spec_path(id))));
            };
            let file = spec_path(id);
            let spec = LabSpec::parse(text, &file)?;
            if spec.id != *id {
                return Err(SpecError::new(
                    &file,
                    format!("id `{}` differs from its directory `{id}`: make them the same", spec.id),
                ));
            }
            labs.push(Lab { spec, file, in_book: true, given: false });
        }
        if let Some((dir, _)) = files.iter().find(|(dir, _)| !parsed.labs.contains(dir)) {
            return Err(fail(format!("{} is not listed: add `{dir}` to the catalog", spec_path(dir))));
        }
        Ok(Labs { labs, origin })
    }

    /// These labs with `spec` (from `--spec`, shown as `file`) in place of the lab of the same id,
    /// or added after the book's labs when the book has none of that id.
    pub fn with_spec(mut self, spec: LabSpec, file: String) -> Labs {
        match self.labs.iter_mut().find(|l| l.spec.id == spec.id) {
            Some(lab) => {
                lab.spec = spec;
                lab.file = file;
                lab.given = true;
            }
            None => self.labs.push(Lab { spec, file, in_book: false, given: true }),
        }
        self
    }

    /// These labs' `--spec` labs put into `other` (the labs of another checkout).
    pub fn given_into(&self, mut other: Labs) -> Labs {
        for lab in self.labs.iter().filter(|l| l.given) {
            other = other.with_spec(lab.spec.clone(), lab.file.clone());
        }
        other
    }

    pub fn iter(&self) -> impl Iterator<Item = &Lab> {
        self.labs.iter()
    }

    pub fn get(&self, id: &str) -> Option<&Lab> {
        self.labs.iter().find(|l| l.id() == id)
    }

    /// The book's first lab: the default until the learner checks another.
    pub fn first(&self) -> &Lab {
        &self.labs[0]
    }

    /// How many labs the book has (a `--spec` lab it does not list not counted).
    pub fn in_book(&self) -> usize {
        self.labs.iter().filter(|l| l.in_book).count()
    }

    /// The ids, comma-separated, for messages.
    pub fn ids(&self) -> String {
        self.labs.iter().map(Lab::id).collect::<Vec<_>>().join(", ")
    }

    /// The lab a chapter belongs to, by its path under the book's `src/`: a chapter in `src/<id>/`
    /// belongs to lab `<id>`, any other to the book's first lab.
    pub fn lab_of_chapter(&self, source: &Path) -> &Lab {
        let dir = source.components().next().and_then(|c| c.as_os_str().to_str());
        match (source.components().count() > 1, dir) {
            (true, Some(dir)) => self.labs.iter().find(|l| l.in_book && l.id() == dir),
            _ => None,
        }
        .unwrap_or_else(|| self.first())
    }
}

/// `labs/<id>/lab.yaml`.
pub fn spec_path(id: &str) -> String {
    format!("labs/{id}/{}", crate::SPEC_FILE)
}

#[cfg(test)]
mod tests;
