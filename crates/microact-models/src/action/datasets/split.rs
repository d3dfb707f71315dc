//! Train/test splits: named parts (a PYSKL pickle's own `split`, or a split file) or one made
//! here per clip or subject, seeded and stratified by class.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use super::{DataError, Sample, bad, read};

/// Named parts of a dataset: part name → the clips (or groups) in it.
pub type Parts = BTreeMap<String, Vec<String>>;

/// How a dataset is split into its training and test clips.
#[derive(Clone, Debug, PartialEq)]
pub enum Split {
    /// Two named parts: of a split file (JSON `{"train": [name, …], "test": […]}`) when `file` is
    /// given, else of the data's own split (a PYSKL pickle's `split`). A clip is in a part that
    /// lists its name or its group; clips in neither part are left out.
    Named {
        file: Option<PathBuf>,
        train: String,
        test: String,
    },
    /// `test` share of each class's groups held out for testing, chosen with `seed`: no group
    /// (clip, video, subject) on both sides.
    Made { test: f32, seed: u64 },
}

impl Default for Split {
    fn default() -> Split {
        Split::Made {
            test: 0.25,
            seed: 1,
        }
    }
}

impl Split {
    /// The split a run asks for: the named `(train, test)` parts, of `file` or of the data's own
    /// split; `file` alone names its parts `train` and `test`; else `test` share of each class
    /// held out with `seed`. (`microact-train`'s options and `microact.train`'s arguments.)
    pub fn choose(
        names: Option<(String, String)>,
        file: Option<PathBuf>,
        test: f32,
        seed: u64,
    ) -> Split {
        match (names, file) {
            (Some((train, test)), file) => Split::Named { file, train, test },
            (None, Some(file)) => Split::Named {
                file: Some(file),
                train: "train".into(),
                test: "test".into(),
            },
            (None, None) => Split::Made { test, seed },
        }
    }

    /// `samples` split into (train, test); `own` the data's own parts, if it has any.
    pub fn apply(
        &self,
        samples: Vec<Sample>,
        own: Option<&Parts>,
        data: &Path,
    ) -> Result<(Vec<Sample>, Vec<Sample>), DataError> {
        let (file, train, test) = match self {
            Split::Made { test, seed } => {
                let (train, test) = stratified(&samples, *test, *seed);
                return Ok((train, test));
            }
            Split::Named { file, train, test } => (file, train, test),
        };
        let from_file;
        let (parts, origin) = match file {
            Some(path) => {
                from_file = read_parts(path)?;
                (&from_file, path.as_path())
            }
            None => (
                own.ok_or_else(|| bad(data, "has no split of its own: give a split file"))?,
                data,
            ),
        };
        let part = |name: &str| -> Result<BTreeSet<&str>, DataError> {
            parts
                .get(name)
                .map(|names| names.iter().map(String::as_str).collect())
                .ok_or_else(|| {
                    let known: Vec<&str> = parts.keys().map(String::as_str).collect();
                    bad(
                        origin,
                        format!("no split `{name}` (it has: {})", known.join(", ")),
                    )
                })
        };
        let (train_names, test_names) = (part(train)?, part(test)?);
        let listed = |names: &BTreeSet<&str>, s: &Sample| {
            names.contains(s.name.as_str()) || names.contains(s.group.as_str())
        };
        let (mut kept, mut held) = (Vec::new(), Vec::new());
        for sample in samples {
            if listed(&test_names, &sample) {
                held.push(sample);
            } else if listed(&train_names, &sample) {
                kept.push(sample);
            }
        }
        if kept.is_empty() || held.is_empty() {
            return Err(bad(
                origin,
                format!(
                    "splits `{train}` and `{test}` name {} and {} of the clips",
                    kept.len(),
                    held.len()
                ),
            ));
        }
        Ok((kept, held))
    }
}

/// A split file: a JSON object of part names, each a list of clip or group names.
fn read_parts(path: &Path) -> Result<Parts, DataError> {
    serde_json::from_slice(&read(path)?)
        .map_err(|e| bad(path, format!("not a split file ({{name: [clip, …]}}): {e}")))
}

/// Splits off `share` of each class's groups (at least one of a class with two or more), seeded:
/// (kept, held out). A group goes by the class of its first clip, whole.
pub fn stratified(samples: &[Sample], share: f32, seed: u64) -> (Vec<Sample>, Vec<Sample>) {
    if share <= 0.0 {
        return (samples.to_vec(), Vec::new());
    }
    let mut rng = StdRng::seed_from_u64(seed);
    // Groups in order of first appearance, with their clips.
    let mut groups: Vec<(&str, usize, Vec<&Sample>)> = Vec::new();
    let mut at: BTreeMap<&str, usize> = BTreeMap::new();
    for s in samples {
        match at.get(s.group.as_str()) {
            Some(&i) => groups[i].2.push(s),
            None => {
                at.insert(&s.group, groups.len());
                groups.push((&s.group, s.label, vec![s]));
            }
        }
    }
    let classes = groups.iter().map(|g| g.1 + 1).max().unwrap_or(0);
    let (mut kept, mut held) = (Vec::new(), Vec::new());
    for c in 0..classes {
        let mut members: Vec<&Vec<&Sample>> =
            groups.iter().filter(|g| g.1 == c).map(|g| &g.2).collect();
        members.shuffle(&mut rng);
        let out = if members.len() >= 2 {
            ((members.len() as f32 * share).round() as usize).clamp(1, members.len() - 1)
        } else {
            0
        };
        held.extend(
            members[..out]
                .iter()
                .flat_map(|g| g.iter().map(|s| (*s).clone())),
        );
        kept.extend(
            members[out..]
                .iter()
                .flat_map(|g| g.iter().map(|s| (*s).clone())),
        );
    }
    (kept, held)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::{Layout, Sequence};

    fn sample(name: &str, group: &str, label: usize) -> Sample {
        Sample {
            name: name.into(),
            group: group.into(),
            label,
            seq: Sequence::new(Layout::Penn13, vec![[0.0; 2]; 13], vec![1.0; 13])
                .expect("one frame"),
        }
    }

    #[test]
    fn made_split_keeps_groups_whole_and_every_class_on_both_sides() {
        let samples: Vec<Sample> = (0..24)
            .map(|i| sample(&format!("c{i}"), &format!("g{}", i / 2), (i / 2) % 3))
            .collect();
        let (train, test) = stratified(&samples, 0.25, 7);
        assert_eq!(train.len() + test.len(), 24);
        for s in &test {
            assert!(
                train.iter().all(|t| t.group != s.group),
                "{} on both sides",
                s.group
            );
        }
        for c in 0..3 {
            assert!(train.iter().any(|s| s.label == c) && test.iter().any(|s| s.label == c));
        }
        let again = stratified(&samples, 0.25, 7).1;
        assert_eq!(
            test.iter().map(|s| &s.name).collect::<Vec<_>>(),
            again.iter().map(|s| &s.name).collect::<Vec<_>>()
        );
    }

    #[test]
    fn named_split_reads_the_parts_by_clip_or_group() {
        let samples = vec![
            sample("a", "s1", 0),
            sample("b", "s2", 1),
            sample("c", "s3", 0),
        ];
        let own = Parts::from([
            (
                "xsub_train".to_string(),
                vec!["a".to_string(), "s2".to_string()],
            ),
            ("xsub_val".to_string(), vec!["c".to_string()]),
        ]);
        let split = Split::Named {
            file: None,
            train: "xsub_train".into(),
            test: "xsub_val".into(),
        };
        let (train, test) = split
            .apply(samples.clone(), Some(&own), Path::new("p"))
            .unwrap();
        assert_eq!((train.len(), test.len()), (2, 1));
        let wrong = Split::Named {
            file: None,
            train: "train".into(),
            test: "xsub_val".into(),
        };
        let message = wrong
            .apply(samples, Some(&own), Path::new("p"))
            .unwrap_err();
        assert!(
            message.to_string().contains("xsub_train, xsub_val"),
            "{message}"
        );
    }
}
