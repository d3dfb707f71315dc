//! Hierarchical label sets: the built-in ones (MA-52, Penn Action, JHMDB-14) and the ones users
//! write, as JSON or as indented plain text.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// A named tree of labels. Parents come before their children.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LabelSet {
    /// Stable id, used in [`LabelRef`].
    pub id: String,
    pub name: String,
    pub labels: Vec<Label>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Label {
    /// Unique within its set.
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// `#rrggbb`.
    pub color: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortcut: Option<char>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LabelSetError {
    #[error("label set {set:?}: label id {id:?} appears twice")]
    DuplicateId { set: String, id: String },
    #[error(
        "label set {set:?}: label {id:?} names parent {parent:?}, which is not defined before it"
    )]
    UnknownParent {
        set: String,
        id: String,
        parent: String,
    },
    #[error("label set {set:?}: label {id:?} has colour {color:?}; expected #rrggbb")]
    BadColor {
        set: String,
        id: String,
        color: String,
    },
    #[error("label set {set:?}: shortcut {key:?} is used by both {first:?} and {second:?}")]
    DuplicateShortcut {
        set: String,
        key: char,
        first: String,
        second: String,
    },
    #[error("label set {set:?}: a label has an empty id")]
    EmptyId { set: String },
    #[error("line {line}: {message}")]
    Text { line: usize, message: String },
    #[error("label set JSON: {0}")]
    Json(String),
}

impl LabelSet {
    pub fn label(&self, id: &str) -> Option<&Label> {
        self.labels.iter().find(|l| l.id == id)
    }

    pub fn children<'a>(&'a self, parent: Option<&'a str>) -> impl Iterator<Item = &'a Label> + 'a {
        self.labels
            .iter()
            .filter(move |l| l.parent.as_deref() == parent)
    }

    /// Labels without children: the ones segments normally carry.
    pub fn leaves(&self) -> impl Iterator<Item = &Label> {
        self.labels.iter().filter(|l| {
            !self
                .labels
                .iter()
                .any(|c| c.parent.as_deref() == Some(l.id.as_str()))
        })
    }

    /// The label's ancestors' names and its own, root first ("head › nodding").
    pub fn path(&self, id: &str) -> Vec<&str> {
        let mut path = Vec::new();
        let mut at = self.label(id);
        while let Some(label) = at {
            path.push(label.name.as_str());
            at = label.parent.as_deref().and_then(|p| self.label(p));
            if path.len() > self.labels.len() {
                break;
            }
        }
        path.reverse();
        path
    }

    pub fn by_shortcut(&self, key: char) -> Option<&Label> {
        self.labels.iter().find(|l| l.shortcut == Some(key))
    }

    /// Checks what the UI and exporters rely on: unique non-empty ids, parents defined before
    /// their children (so the tree has no cycles), `#rrggbb` colours, unique shortcuts.
    pub fn validate(&self) -> Result<(), LabelSetError> {
        let set = || self.id.clone();
        let mut seen = HashSet::new();
        for label in &self.labels {
            if label.id.is_empty() {
                return Err(LabelSetError::EmptyId { set: set() });
            }
            if let Some(parent) = &label.parent
                && !seen.contains(parent.as_str())
            {
                return Err(LabelSetError::UnknownParent {
                    set: set(),
                    id: label.id.clone(),
                    parent: parent.clone(),
                });
            }
            if !seen.insert(label.id.as_str()) {
                return Err(LabelSetError::DuplicateId {
                    set: set(),
                    id: label.id.clone(),
                });
            }
            if !is_hex_color(&label.color) {
                return Err(LabelSetError::BadColor {
                    set: set(),
                    id: label.id.clone(),
                    color: label.color.clone(),
                });
            }
        }
        for (i, a) in self.labels.iter().enumerate() {
            let Some(key) = a.shortcut else { continue };
            if let Some(b) = self.labels[i + 1..]
                .iter()
                .find(|b| b.shortcut == Some(key))
            {
                return Err(LabelSetError::DuplicateShortcut {
                    set: set(),
                    key,
                    first: a.id.clone(),
                    second: b.id.clone(),
                });
            }
        }
        Ok(())
    }

    /// A label set from JSON as [`LabelSet`] serialises, validated.
    pub fn from_json(text: &str) -> Result<Self, LabelSetError> {
        let set: LabelSet =
            serde_json::from_str(text).map_err(|e| LabelSetError::Json(e.to_string()))?;
        set.validate()?;
        Ok(set)
    }

    /// A label set from plain text: one label per line, children indented under their parent
    /// (spaces or tabs, any consistent width). A line may end with a `#rrggbb` colour. Blank
    /// lines are skipped. Ids are the names; colours not given come from [`palette`].
    pub fn from_text(id: &str, name: &str, text: &str) -> Result<Self, LabelSetError> {
        // (indent, label id) of the open ancestors, outermost first.
        let mut open: Vec<(usize, String)> = Vec::new();
        let mut labels = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let trimmed = raw.trim_end();
            if trimmed.trim().is_empty() {
                continue;
            }
            let indent = indent_width(trimmed);
            let (label_name, color) = split_color(trimmed.trim_start());
            if label_name.is_empty() {
                return Err(LabelSetError::Text {
                    line,
                    message: "a colour without a label name".into(),
                });
            }
            while open.last().is_some_and(|(depth, _)| *depth >= indent) {
                open.pop();
            }
            let parent = open.last().map(|(_, id)| id.clone());
            labels.push(Label {
                id: label_name.to_string(),
                name: label_name.to_string(),
                parent,
                color: color
                    .map(str::to_string)
                    .unwrap_or_else(|| palette(labels.len())),
                shortcut: None,
            });
            open.push((indent, label_name.to_string()));
        }
        let set = LabelSet {
            id: id.to_string(),
            name: name.to_string(),
            labels,
        };
        set.validate().map_err(|e| match e {
            LabelSetError::DuplicateId { id, .. } => LabelSetError::Text {
                line: line_of(text, &id),
                message: format!("label {id:?} appears twice"),
            },
            other => other,
        })?;
        Ok(set)
    }

    /// The set as indented text that [`LabelSet::from_text`] reads back (ids become names).
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for label in &self.labels {
            let depth = self.path(&label.id).len().saturating_sub(1);
            out.push_str(&"  ".repeat(depth));
            out.push_str(&label.name);
            out.push(' ');
            out.push_str(&label.color);
            out.push('\n');
        }
        out
    }
}

fn indent_width(line: &str) -> usize {
    line.chars()
        .take_while(|c| c.is_whitespace())
        .map(|c| if c == '\t' { 4 } else { 1 })
        .sum()
}

fn split_color(text: &str) -> (&str, Option<&str>) {
    match text.rsplit_once(char::is_whitespace) {
        Some((name, last)) if is_hex_color(last) => (name.trim_end(), Some(last)),
        _ if is_hex_color(text) => ("", Some(text)),
        _ => (text, None),
    }
}

fn line_of(text: &str, name: &str) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| split_color(l.trim()).0 == name)
        .map(|(i, _)| i + 1)
        .nth(1)
        .unwrap_or(0)
}

pub fn is_hex_color(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// The `i`-th colour of a palette of well-separated hues (golden-angle steps), as `#rrggbb`.
pub fn palette(i: usize) -> String {
    let hue = (i as f64 * 137.507_764) % 360.0;
    let (r, g, b) = hsl_to_rgb(hue, 0.62, if i.is_multiple_of(2) { 0.52 } else { 0.42 });
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn hsl_to_rgb(h: f64, s: f64, l: f64) -> (u8, u8, u8) {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let byte = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    (byte(r), byte(g), byte(b))
}

/// Keys given to the leaves of small built-in sets, in order.
const SHORTCUT_KEYS: &str = "1234567890qwertyuiopasdfghjklzxcvbnm";

/// MA-52's seven body-level categories and the action-level classes under each, in the official
/// class order (ids 0–51 of the dataset's `label_name.txt`; the body level as its
/// evaluation script's `fine2coarse` derives it). Guo et al., "Benchmarking Micro-action
/// Recognition: Dataset, Methods, and Applications", IEEE TCSVT 2024.
const MA52: [(&str, &[&str]); 7] = [
    (
        "body",
        &[
            "shaking body",
            "sitting straightly",
            "shrugging",
            "turning around",
            "rising up",
        ],
    ),
    (
        "head",
        &[
            "bowing head",
            "head up",
            "tilting head",
            "turning head",
            "nodding",
            "shaking head",
        ],
    ),
    (
        "upper limb",
        &[
            "scratching arms",
            "playing objects",
            "putting hands together",
            "rubbing hands",
            "pointing oneself",
            "clenching fist",
            "stretching arms",
            "retracting arms",
            "waving",
            "spreading hands",
            "hands touching fingers",
            "other finger movements",
            "illustrative gestures",
        ],
    ),
    (
        "lower limb",
        &[
            "shaking legs",
            "curling legs",
            "spread legs",
            "closing legs",
            "crossing legs",
            "stretching feet",
            "retracting feet",
            "tiptoe",
        ],
    ),
    (
        "body-hand",
        &[
            "scratching or touching neck",
            "scratching or touching chest",
            "scratching or touching back",
            "scratching or touching shoulder",
            "arms akimbo",
            "crossing arms",
        ],
    ),
    (
        "head-hand",
        &[
            "playing or tidying hair",
            "scratching or touching hindbrain",
            "scratching or touching forehead",
            "scratching or touching face",
            "rubbing eyes",
            "touching nose",
            "touching ears",
            "covering face",
            "covering mouth",
            "pushing glasses",
        ],
    ),
    (
        "leg-hand",
        &[
            "patting legs",
            "touching legs",
            "scratching legs",
            "scratching feet",
        ],
    ),
];

/// Penn Action's 15 classes in the dataset's alphabetical order (Zhang, Zhu, Derpanis, ICCV 2013).
pub const PENN_ACTION: [&str; 15] = [
    "baseball_pitch",
    "baseball_swing",
    "bench_press",
    "bowl",
    "clean_and_jerk",
    "golf_swing",
    "jump_rope",
    "jumping_jacks",
    "pullup",
    "pushup",
    "situp",
    "squat",
    "strum_guitar",
    "tennis_forehand",
    "tennis_serve",
];

/// The 14 JHMDB classes with 2D ground-truth joints over whole bodies, as DD-Net uses them.
pub const JHMDB14: [&str; 14] = [
    "catch", "clap", "golf", "jump", "pick", "pour", "pullup", "push", "run", "sit", "stand",
    "throw", "walk", "wave",
];

/// The built-in sets, MA-52 first (the default).
pub fn builtin() -> Vec<LabelSet> {
    vec![ma52(), penn_action(), jhmdb14()]
}

/// MA-52: 7 body-level categories, 52 action-level labels under them. Label ids are the names.
pub fn ma52() -> LabelSet {
    let mut labels = Vec::new();
    for (body, actions) in MA52 {
        labels.push(Label {
            id: body.to_string(),
            name: body.to_string(),
            parent: None,
            color: palette(labels.len()),
            shortcut: None,
        });
        for action in actions {
            labels.push(Label {
                id: action.to_string(),
                name: action.to_string(),
                parent: Some(body.to_string()),
                color: palette(labels.len()),
                shortcut: None,
            });
        }
    }
    LabelSet {
        id: "ma52".into(),
        name: "MA-52 micro-actions".into(),
        labels,
    }
}

pub fn penn_action() -> LabelSet {
    flat_set("penn_action", "Penn Action", &PENN_ACTION)
}

pub fn jhmdb14() -> LabelSet {
    flat_set("jhmdb14", "JHMDB-14", &JHMDB14)
}

/// A one-level set whose ids are `classes` (dataset spelling), names with spaces, and keys in
/// [`SHORTCUT_KEYS`] order.
pub fn flat_set(id: &str, name: &str, classes: &[&str]) -> LabelSet {
    let labels = classes
        .iter()
        .enumerate()
        .map(|(i, class)| Label {
            id: class.to_string(),
            name: class.replace('_', " "),
            parent: None,
            color: palette(i),
            shortcut: SHORTCUT_KEYS.chars().nth(i),
        })
        .collect();
    LabelSet {
        id: id.into(),
        name: name.into(),
        labels,
    }
}

/// A label in one of the project's label sets.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LabelRef {
    pub set: String,
    pub label: String,
}

impl LabelRef {
    pub fn new(set: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            set: set.into(),
            label: label.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ma52_has_seven_parts_and_fifty_two_actions_in_official_order() {
        let set = ma52();
        set.validate().unwrap();
        assert_eq!(set.children(None).count(), 7);
        let leaves: Vec<_> = set.leaves().map(|l| l.id.as_str()).collect();
        assert_eq!(leaves.len(), 52);
        assert_eq!(leaves[0], "shaking body");
        assert_eq!(leaves[9], "nodding");
        assert_eq!(leaves[23], "illustrative gestures");
        assert_eq!(leaves[51], "scratching feet");
        assert_eq!(set.path("nodding"), ["head", "nodding"]);
    }

    #[test]
    fn dataset_sets_have_their_class_counts_and_keys() {
        let penn = penn_action();
        penn.validate().unwrap();
        assert_eq!(penn.leaves().count(), 15);
        assert_eq!(penn.by_shortcut('1').unwrap().id, "baseball_pitch");
        let jhmdb = jhmdb14();
        jhmdb.validate().unwrap();
        assert_eq!(jhmdb.leaves().count(), 14);
    }

    #[test]
    fn text_round_trip_keeps_hierarchy_and_colours() {
        let text = "head\n  nodding #112233\n  shaking head\nhands\n\tclapping\n";
        let set = LabelSet::from_text("mine", "Mine", text).unwrap();
        assert_eq!(set.path("clapping"), ["hands", "clapping"]);
        assert_eq!(set.label("nodding").unwrap().color, "#112233");
        let again = LabelSet::from_text("mine", "Mine", &set.to_text()).unwrap();
        assert_eq!(again, set);
    }

    #[test]
    fn text_errors_name_the_line() {
        let err = LabelSet::from_text("x", "x", "a\n  b\nc\n  b\n").unwrap_err();
        assert_eq!(err.to_string(), "line 4: label \"b\" appears twice");
        let set = LabelSet::from_text("x", "x", "  a\nb\n c\n").unwrap();
        assert_eq!(set.path("c"), ["b", "c"]);
    }

    #[test]
    fn json_checks_parents_and_colours() {
        let mut set = penn_action();
        set.labels[3].parent = Some("nowhere".into());
        let text = serde_json::to_string(&set).unwrap();
        let err = LabelSet::from_json(&text).unwrap_err();
        assert!(
            err.to_string().contains("names parent \"nowhere\""),
            "{err}"
        );
        assert!(
            LabelSet::from_json("{")
                .unwrap_err()
                .to_string()
                .starts_with("label set JSON")
        );
    }
}
