//! What the format modules share: how a label is named in a file, and how times in seconds are
//! written and checked.

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

use crate::model::{LabelRef, Project};

/// What a file name may not hold raw inside a URL or a space-separated list: controls, space,
/// `%` and what ends a URL's path. Anything outside ASCII is escaped too, so no Unicode space
/// splits a line.
const NAME_ESCAPES: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'%')
    .add(b'#')
    .add(b'?')
    .add(b'"')
    .add(b'<')
    .add(b'>');

/// A file name as a URL path segment or one field of a space-separated line.
pub(super) fn encode_name(name: &str) -> String {
    utf8_percent_encode(name, NAME_ESCAPES).to_string()
}

/// The name [`encode_name`] wrote (malformed escapes are kept as they are).
pub(super) fn decode_name(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
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

/// `project` as the app has it once every clip is opened at `rate`: times imported without a
/// rate move onto it ([`crate::edit::Edit::retime`]).
#[cfg(test)]
pub(super) fn opened_at(project: &Project, rate: crate::time::FrameRate) -> Project {
    let mut project = project.clone();
    for video in project.videos.clone() {
        let edit = crate::edit::Edit::retime(&project, crate::model::Video { rate, ..video });
        // Unchecked: an import refers to label sets of the project it lands in.
        edit.reapply(&mut project).expect("retimed");
    }
    project
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_survive_encoding_and_hold_no_space() {
        for name in ["a b%20c#?.mp4", "café ünïcode\u{3000}x.webm", "plain.mp4"] {
            let encoded = encode_name(name);
            assert!(!encoded.chars().any(char::is_whitespace), "{encoded}");
            assert_eq!(decode_name(&encoded), name);
        }
        assert_eq!(encode_name("my clip.mp4"), "my%20clip.mp4");
        assert_eq!(decode_name("a%2"), "a%2");
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
