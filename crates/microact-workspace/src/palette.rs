//! The palette's labels as plain Rust: the set shown, the keys that pick a label, search, a
//! label set read from a file, and labels and sets added as undoable edits.

use microact_core::edit::Edit;
use microact_core::labels::{self, Label, LabelSet, LabelSetError};
use microact_core::model::LabelRef;

use super::{Refusal, Workspace};

impl Workspace {
    /// Makes set `id` the palette's: its first leaf becomes the active label, so that keys and
    /// new segments use it.
    pub fn switch_set(&mut self, id: &str) {
        self.label = self
            .project
            .label_set(id)
            .and_then(|s| s.leaves().next().map(|l| LabelRef::new(&s.id, &l.id)));
    }

    /// Adds `set` (read from a file) and makes it the palette's.
    pub fn import_label_set(&mut self, set: LabelSet) -> Result<(), Refusal> {
        let id = set.id.clone();
        let index = self.project.label_sets.len();
        self.apply("import label set", Edit::PutLabelSet { index, set })?;
        self.switch_set(&id);
        Ok(())
    }

    /// A new label `name` in the palette's set, under the active label's parent (so "head ›
    /// new" lands in head), else at the top; it becomes the active label.
    pub fn add_label(&mut self, name: &str) -> Result<(), Refusal> {
        let name = name.trim();
        let Some(mut set) = self.palette_set().cloned() else {
            return Err("no label set to add to".into());
        };
        let parent = self
            .label
            .as_ref()
            .and_then(|l| set.label(&l.label).and_then(|l| l.parent.clone()));
        set.labels.push(Label {
            id: name.to_string(),
            name: name.to_string(),
            parent,
            color: labels::palette(set.labels.len()),
            shortcut: None,
        });
        let label = LabelRef::new(&set.id, name);
        // The set is the project's: it is replaced where it stands (`index` places new sets only).
        self.apply("add label", Edit::PutLabelSet { index: 0, set })?;
        self.choose_label(label)
    }

    /// The label set the palette shows: the active label's, else the first.
    pub fn palette_set(&self) -> Option<&labels::LabelSet> {
        self.label
            .as_ref()
            .and_then(|l| self.project.label_set(&l.set))
            .or_else(|| self.project.label_sets.first())
    }

    /// The keys that pick a label of `set`: its own shortcuts, or, for a set without any
    /// (MA-52), the digits 1–9 on its first nine leaves in `shown` order (the palette's filter).
    pub fn label_keys(set: &labels::LabelSet, shown: &[String]) -> Vec<(char, LabelRef)> {
        let own: Vec<(char, LabelRef)> = set
            .labels
            .iter()
            .filter_map(|l| Some((l.shortcut?, LabelRef::new(&set.id, &l.id))))
            .collect();
        if !own.is_empty() {
            return own;
        }
        shown
            .iter()
            .take(9)
            .zip('1'..='9')
            .map(|(id, key)| (key, LabelRef::new(&set.id, id)))
            .collect()
    }
}

/// The leaves of `set` whose name or path contains `query` (any case), in set order.
pub fn search_labels(set: &labels::LabelSet, query: &str) -> Vec<String> {
    let q = query.trim().to_lowercase();
    set.leaves()
        .filter(|l| q.is_empty() || set.path(&l.id).join(" ").to_lowercase().contains(&q))
        .map(|l| l.id.clone())
        .collect()
}

/// A label set from a file: JSON as exported, or indented text named after the file.
pub fn read_label_set(file_name: &str, text: &str) -> Result<LabelSet, LabelSetError> {
    if file_name.to_ascii_lowercase().ends_with(".json") {
        return LabelSet::from_json(text);
    }
    let stem = file_name.rsplit_once('.').map_or(file_name, |(s, _)| s);
    LabelSet::from_text(stem, stem, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::workspace;

    #[test]
    fn a_label_added_lands_beside_the_active_one_and_is_one_undo_step() {
        let mut w = workspace();
        w.choose_label(LabelRef::new("ma52", "nodding"))
            .expect("a label");
        let parent = w
            .palette_set()
            .and_then(|s| s.label("nodding")?.parent.clone());
        w.add_label(" waving hello ").expect("added");
        let set = w.palette_set().expect("the set");
        assert_eq!(set.id, "ma52");
        let added = set.label("waving hello").expect("in the set");
        assert_eq!(added.parent, parent);
        assert_eq!(w.label, Some(LabelRef::new("ma52", "waving hello")));
        w.undo();
        assert!(
            w.palette_set()
                .and_then(|s| s.label("waving hello"))
                .is_none()
        );
    }

    #[test]
    fn a_set_read_from_text_is_named_after_its_file_and_becomes_the_palettes() {
        let set = read_label_set("kitchen.txt", "cut\nstir\n").expect("indented text");
        assert_eq!(set.id, "kitchen");
        let mut w = workspace();
        w.import_label_set(set).expect("imported");
        assert_eq!(w.palette_set().map(|s| s.id.as_str()), Some("kitchen"));
        assert_eq!(w.label, Some(LabelRef::new("kitchen", "cut")));
        assert!(read_label_set("broken.json", "{").is_err());
    }
}
