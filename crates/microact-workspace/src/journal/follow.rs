//! A tab that follows another's edits: the other tab's saved log entries applied in order.

use super::Sealed;
use crate::Workspace;

/// How far a following tab got through another tab's saved edits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CatchUp {
    /// Every later edit applied: the workspace is at this edit.
    Done(u64),
    /// Applied up to this edit; the next is missing (folded into a snapshot meanwhile), damaged
    /// or does not apply: the project is to be read again.
    Stopped(u64),
}

impl CatchUp {
    /// The last edit the workspace holds.
    pub fn seq(self) -> u64 {
        match self {
            CatchUp::Done(seq) | CatchUp::Stopped(seq) => seq,
        }
    }
}

/// Applies the entries of `log` after edit `seq` (another catch-up may have applied some
/// already) to `ws`, in order, stopping at the first gap or bad entry.
pub fn catch_up(ws: &mut Workspace, seq: u64, log: &[(u64, Sealed)]) -> CatchUp {
    let mut at = seq;
    for (n, sealed) in log.iter().filter(|(n, _)| *n > seq) {
        if *n != at + 1 {
            return CatchUp::Stopped(at);
        }
        match sealed.open().map(|entry| ws.follow(entry)) {
            Ok(Ok(())) => at = *n,
            _ => return CatchUp::Stopped(at),
        }
    }
    CatchUp::Done(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Entry;
    use microact_core::edit::Edit;

    fn log(names: &[(u64, &str)]) -> Vec<(u64, Sealed)> {
        names
            .iter()
            .map(|(n, name)| {
                let entry = Entry::Apply(Edit::RenameProject {
                    name: name.to_string(),
                });
                (*n, Sealed::new(&entry).expect("serialises"))
            })
            .collect()
    }

    #[test]
    fn later_edits_are_applied_and_those_already_here_skipped() {
        let mut ws = Workspace::new("start");
        let got = catch_up(&mut ws, 1, &log(&[(1, "one"), (2, "two"), (3, "three")]));
        assert_eq!((got, ws.project.name.as_str()), (CatchUp::Done(3), "three"));
        assert!(!ws.journal_pending(), "a follower logs nothing");
    }

    #[test]
    fn a_gap_or_a_damaged_entry_stops_at_the_last_good_edit() {
        let mut ws = Workspace::new("start");
        let got = catch_up(&mut ws, 0, &log(&[(1, "one"), (3, "three")]));
        assert_eq!(
            (got, ws.project.name.as_str()),
            (CatchUp::Stopped(1), "one")
        );

        let mut damaged = log(&[(2, "two"), (3, "three")]);
        damaged[1].1.text.push('x');
        let got = catch_up(&mut ws, 1, &damaged);
        assert_eq!((got.seq(), ws.project.name.as_str()), (2, "two"));
        assert!(matches!(got, CatchUp::Stopped(_)));
    }
}
