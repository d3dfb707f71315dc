//! What survives export → import in each format, measured over [`unusual_project`] (two videos at
//! 29.97 and 25 fps, Unicode and markup, overlaps, proposals accepted, rejected and open), into
//! the open project and into an empty one (then opened at the clips' own rates). The table is
//! `docs/formats.md`'s; `MICROACT_BLESS=1 cargo test -p microact-core --test round_trip` writes it
//! after a deliberate change, and the test fails while the file says something else.

use microact_core::edit::Edit;
use microact_core::formats::truth::{Include, Role, role};
use microact_core::formats::{activitynet, ava, elan, mmaction, native, table, via3};
use microact_core::model::{Project, Segment, Video};
use microact_core::sample::unusual_project;

/// The label set the numbered formats (AVA, MMAction2) count in.
fn set(project: &Project) -> &microact_core::labels::LabelSet {
    &project.label_sets[0]
}

type Reader = fn(&Project, &Project, Include) -> Project;

fn formats() -> Vec<(&'static str, Reader)> {
    vec![
        ("microact JSON", |p, _, _| {
            native::import(&native::export(p)).expect("native")
        }),
        ("VIA3", |p, base, _| {
            via3::import(base, &via3::export(p)).expect("via3")
        }),
        ("ELAN", |p, base, include| {
            // One file per video, merged as two imports would be.
            let mut whole = Project::default();
            for video in &p.videos {
                let text = elan::export(p, video.id, include).expect("elan export");
                let one = elan::import(base, &text).expect("elan");
                merge_into(&mut whole, one);
            }
            whole
        }),
        ("ActivityNet", |p, base, include| {
            let mut text: serde_json::Value =
                serde_json::from_str(&activitynet::export_ground_truth(p)).expect("json");
            if include == Include::WithPredictions {
                let results: serde_json::Value =
                    serde_json::from_str(&activitynet::export_predictions(p).text).expect("json");
                text["results"] = results["results"].clone();
            }
            activitynet::import(base, &text.to_string()).expect("activitynet")
        }),
        ("AVA", |p, base, include| {
            let out = ava::export(p, set(p), ava::Variant::RefAva);
            let mut csv = out.csv;
            if include == Include::WithPredictions {
                csv.push_str(&out.predictions);
            }
            ava::import(base, &csv, &out.label_map).expect("ava")
        }),
        ("MMAction2 clip list", |p, base, _| {
            let (text, _) = mmaction::export_clips(p, set(p));
            mmaction::import_clips(base, &text, set(p)).expect("mmaction")
        }),
        ("CSV", |p, base, include| {
            table::import(base, &table::export(p, include)).expect("csv")
        }),
    ]
}

/// Appends `one`'s videos, tracks and label sets to `whole` with fresh ids.
fn merge_into(whole: &mut Project, one: Project) {
    let edit = microact_core::formats::merge(whole, &one, microact_core::formats::Mode::Merge);
    edit.reapply(whole).expect("merge");
}

/// The video of `back` that stands for `original`: by name, or by the stem id formats use.
fn counterpart<'a>(back: &'a Project, original: &Video) -> Option<&'a Video> {
    let stem = original
        .name
        .rsplit_once('.')
        .map_or(original.name.as_str(), |(s, _)| s);
    back.videos
        .iter()
        .find(|v| v.name == original.name)
        .or_else(|| back.videos.iter().find(|v| v.name == stem))
}

/// `back` as the app has it once each clip is opened at its own rate.
fn opened(back: &Project, original: &Project) -> Project {
    let mut back = back.clone();
    for video in &original.videos {
        if let Some(found) = counterpart(&back, video).cloned() {
            let clip = Video {
                rate: video.rate,
                frames: video.frames,
                ..found
            };
            Edit::retime(&back, clip)
                .reapply(&mut back)
                .expect("retime");
        }
    }
    back
}

/// A segment with what identifies it across files: its track's name and its label's name (an
/// import into an empty project gives labels new ids).
struct Seen<'a> {
    track: &'a str,
    label: &'a str,
    segment: &'a Segment,
}

/// `project`'s segment; its label looked up there, else in the unusual project (an import into
/// the open project refers to the open project's label sets).
fn seen<'a>(project: &'a Project, track: &'a str, segment: &'a Segment) -> Seen<'a> {
    static OPEN: std::sync::LazyLock<Project> = std::sync::LazyLock::new(unusual_project);
    let label = project
        .label(&segment.label)
        .or_else(|| OPEN.label(&segment.label))
        .map_or(segment.label.label.as_str(), |l| l.name.as_str());
    Seen {
        track,
        label,
        segment,
    }
}

/// How many of `original`'s segments that `count` picks have a match in `back` under `same`.
fn survive(
    original: &Project,
    back: &Project,
    count: impl Fn(&Segment) -> bool,
    same: impl Fn(&Seen, &Seen) -> bool,
) -> (usize, usize) {
    let mut total = 0;
    let mut kept = 0;
    for (track, segment) in original.segments().filter(|(_, s)| count(s)) {
        total += 1;
        let Some(video) = original.video(track.video) else {
            continue;
        };
        let Some(theirs) = counterpart(back, video) else {
            continue;
        };
        let ours = seen(original, &track.meta.name, segment);
        if back.tracks_of(theirs.id).any(|t| {
            t.segments
                .iter()
                .any(|s| same(&ours, &seen(back, &t.meta.name, s)))
        }) {
            kept += 1;
        }
    }
    (kept, total)
}

fn cell((kept, total): (usize, usize)) -> String {
    if total == 0 {
        "–".into()
    } else if kept == total {
        format!("all {total}")
    } else {
        format!("{kept}/{total}")
    }
}

fn is_truth(s: &Segment) -> bool {
    role(s) == Role::GroundTruth
}

/// Same frames and the same label, known by its name or its id (a file that writes ids, read
/// where the label set is missing, names the label by its id).
fn same_time(a: &Seen, b: &Seen) -> bool {
    (a.segment.start, a.segment.end) == (b.segment.start, b.segment.end)
        && (a.label == b.label || a.segment.label.label == b.label)
}

fn table_text() -> String {
    let original = unusual_project();
    let empty = Project::default();
    let mut rows = vec![
        "| format | frames exact, into the open project | frames exact, into an empty one | \
         frame rate, into an empty one | tracks | status of proposals | descriptions | boxes | \
         predictions never ground truth |"
            .to_string(),
        "|---|---|---|---|---|---|---|---|---|".to_string(),
    ];
    for (name, read) in formats() {
        let truth_only = read(&original, &original, Include::GroundTruth);
        let into_empty = read(&original, &empty, Include::GroundTruth);
        let with_predictions = read(&original, &original, Include::WithPredictions);
        let times = survive(&original, &truth_only, is_truth, same_time);
        let times_empty = survive(
            &original,
            &opened(&into_empty, &original),
            is_truth,
            same_time,
        );
        let rates: Vec<bool> = original
            .videos
            .iter()
            .map(|v| {
                counterpart(&into_empty, v).is_some_and(|b| b.rate == v.rate && !b.rate_unknown)
            })
            .collect();
        let rate = (rates.iter().filter(|r| **r).count(), rates.len());
        let tracks = survive(&original, &truth_only, is_truth, |a, b| {
            a.track == b.track && same_time(a, b)
        });
        let status = survive(
            &original,
            &with_predictions,
            |_| true,
            |a, b| {
                same_time(a, b)
                    && a.segment.status == b.segment.status
                    && a.segment.score() == b.segment.score()
            },
        );
        let described: Vec<&str> = original
            .tracks
            .iter()
            .filter_map(|t| t.meta.description.as_deref())
            .collect();
        let descriptions = (
            described
                .iter()
                .filter(|d| {
                    truth_only
                        .tracks
                        .iter()
                        .any(|t| t.meta.description.as_deref() == Some(**d))
                })
                .count(),
            described.len(),
        );
        let boxes_total: usize = original.tracks.iter().map(|t| t.boxes.len()).sum();
        let boxes_kept = original
            .tracks
            .iter()
            .flat_map(|t| &t.boxes)
            .filter(|b| {
                truth_only
                    .tracks
                    .iter()
                    .flat_map(|t| &t.boxes)
                    .any(|k| k.frame == b.frame && (k.rect.x1 - b.rect.x1).abs() < 1e-3)
            })
            .count();
        // Whatever a ground-truth export brings back as a label people stand behind must be
        // ground truth in the project: an open or rejected proposal never comes back as one.
        let leaked = truth_only
            .segments()
            .filter(|(_, s)| is_truth(s))
            .filter(|(t, s)| {
                let video = truth_only
                    .video(t.video)
                    .map(|v| v.name.clone())
                    .unwrap_or_default();
                original.segments().any(|(ot, o)| {
                    !is_truth(o)
                        && original.video(ot.video).is_some_and(|v| v.name == video)
                        && same_time(&seen(&original, "", o), &seen(&truth_only, "", s))
                })
            })
            .count();
        rows.push(format!(
            "| {name} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(times),
            cell(times_empty),
            cell(rate),
            cell(tracks),
            cell(status),
            cell(descriptions),
            cell((boxes_kept, boxes_total)),
            if leaked == 0 {
                "yes".to_string()
            } else {
                format!("no: {leaked}")
            },
        ));
        assert_eq!(
            leaked, 0,
            "{name}: an open or rejected proposal came back as a label"
        );
    }
    rows.join("\n") + "\n"
}

const BEGIN: &str = "<!-- round-trip table: tests/round_trip.rs -->\n";
const END: &str = "<!-- end of round-trip table -->";

#[test]
fn the_round_trip_table_in_docs_is_what_the_formats_do() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/formats.md");
    let doc = std::fs::read_to_string(path).unwrap_or_default();
    let table = table_text();
    let (Some(begin), Some(end)) = (doc.find(BEGIN), doc.find(END)) else {
        panic!("{path} has no round-trip table between its markers:\n{table}");
    };
    let current = &doc[begin + BEGIN.len()..end];
    if std::env::var_os("MICROACT_BLESS").is_some() {
        let updated = format!("{}{BEGIN}{table}{}", &doc[..begin], &doc[end..]);
        std::fs::write(path, updated).expect("write docs/formats.md");
        return;
    }
    assert_eq!(
        current, table,
        "{path} is stale: rerun with MICROACT_BLESS=1"
    );
}

#[test]
fn frames_stay_exact_at_25_29_97_and_30_fps_into_the_open_and_an_empty_project() {
    use microact_core::time::FrameRate;
    let empty = Project::default();
    for (num, den) in [(25, 1), (30000, 1001), (30, 1)] {
        let mut project = unusual_project();
        for video in &mut project.videos {
            video.rate = FrameRate::new(num, den).unwrap();
        }
        // The formats that keep frames (AVA knows whole seconds; the clip list counts one set).
        for (name, read) in formats()
            .into_iter()
            .filter(|(name, _)| !["AVA", "MMAction2 clip list"].contains(name))
        {
            let open = read(&project, &project, Include::GroundTruth);
            let fresh = opened(&read(&project, &empty, Include::GroundTruth), &project);
            for (into, back) in [("the open project", &open), ("an empty one", &fresh)] {
                let (kept, total) = survive(&project, back, is_truth, same_time);
                assert_eq!(kept, total, "{name} at {num}/{den}, into {into}");
            }
        }
    }
}
