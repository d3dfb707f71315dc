//! What the VIA3, ActivityNet and CSV modules share: which segments count as labels, how a
//! label is named in a file, and how times in seconds are written and checked.

use crate::model::{LabelRef, Project, Segment, Source, Status};

/// Whether a segment is a label a person stands behind: made by a person and not rejected, or a
/// model's proposal someone accepted. Formats without a notion of proposals carry only these.
pub(super) fn is_ground_truth(segment: &Segment) -> bool {
    match segment.status {
        Status::Accepted => true,
        Status::Rejected => false,
        Status::Proposed => matches!(segment.source, Source::Human { .. }),
    }
}

/// The name files show for a label; its id when the project has lost the label.
pub(super) fn label_name<'a>(project: &'a Project, label: &'a LabelRef) -> &'a str {
    project
        .label(label)
        .map_or(label.label.as_str(), |l| l.name.as_str())
}

/// Seconds rounded to the millisecond as a JSON number, so files read `1.5`, not
/// `1.5000000000000002`, and frames survive the trip back for rates up to 500 fps.
pub(super) fn seconds_number(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

/// Longer than any video (about 115 days); times past it are corrupt, and would overflow frame
/// numbers.
const MAX_SECONDS: f64 = 1e7;

/// Checks an interval a file gives in seconds; `Err` says what is wrong with it.
pub(super) fn check_span(start: f64, end: f64) -> Result<(), String> {
    if !start.is_finite() || !end.is_finite() {
        return Err(format!("[{start}, {end}] is not a pair of finite times"));
    }
    if start.max(end) > MAX_SECONDS {
        return Err(format!("[{start}, {end}] is past any video's end"));
    }
    if end < start {
        return Err(format!("ends at {end} s, before it starts at {start} s"));
    }
    Ok(())
}

/// A file of `tests/fixtures/formats`, where the importers' sample files live.
#[cfg(test)]
pub(super) fn fixture(name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/formats");
    std::fs::read_to_string(format!("{path}/{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::sample_project;

    #[test]
    fn ground_truth_is_human_or_accepted_and_never_rejected() {
        let project = sample_project();
        let kept: Vec<u64> = project
            .segments()
            .filter(|(_, s)| is_ground_truth(s))
            .map(|(_, s)| s.id.0)
            .collect();
        // 2 is a model proposal still open, 4 a rejected one.
        assert_eq!(kept, [0, 1, 3]);
    }

    #[test]
    fn spans_must_be_finite_and_forward() {
        assert!(check_span(1.0, 1.0).is_ok());
        assert!(
            check_span(2.0, 1.0)
                .unwrap_err()
                .contains("before it starts")
        );
        assert!(check_span(f64::NAN, 1.0).is_err());
        assert!(check_span(0.0, 1e300).is_err());
        assert_eq!(seconds_number(4.033_333_3), 4.033);
    }
}
