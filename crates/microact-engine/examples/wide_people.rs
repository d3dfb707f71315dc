//! People in wide shots (issue #23): person recall against hand boxes on the real wide clips of
//! `tests/fixtures/wide/`, for MultiPose at 256 × 256, at larger inputs, auto, and with zoom to
//! people; TF.js's MultiPose graph at the same whole-frame inputs beside them; and the tracker's
//! id switches per person-minute against the hand-boxed identities of the 60 s plaza clip.
//!
//! Frames are decoded by ffmpeg and read as the engine reads a `VideoFrame`, then run by the
//! engine's own pose code on the CPU kernels (`pose::estimate`). For recall each boxed frame is
//! looked at alone (a fresh session: zoom uses that frame's candidates only); a person counts as
//! found when a box scoring at least 0.25 overlaps theirs at IoU 0.5 or more (greedy, best
//! overlap first). TF.js is run (`scripts/reference/movenet.mjs --multipose-frames`) on the very
//! inputs our whole-frame looks read, and needs `../shared/models-src` (else it is left out).
//!
//! ```text
//! cargo run --profile bench -p microact-engine --example wide_people              # recall table
//! cargo run --profile bench -p microact-engine --example wide_people -- --ids     # id switches
//! cargo run --profile bench -p microact-engine --example wide_people -- --draft CLIP FRAME...
//! ```
//!
//! `--profile bench` builds it at opt-level 3 throughout (the release profile is tuned for the
//! page's size, and runs this 3.5 times slower).
//!
//! `--draft` prints the boxes found at 1024 px with zoom and at auto with zoom as CSV rows for
//! `boxes.csv`, to be checked by eye and corrected (how the hand boxes were made: the README);
//! `--draft-every-frame CLIP` those of 512 px with zoom on every frame, each alone, which
//! `scripts/fixtures/link-identities.py` joins into `identities.csv`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use microact_engine::compute::cpu_device;
use microact_engine::native::{self, Probe};
use microact_engine::pose;
use microact_engine::yuv;
use microact_models::burn::tensor::Device;
use microact_models::frame::{Letterbox, Rect};
use microact_models::manifest::Manifest;
use microact_models::pose::estimator::Estimator;
use microact_models::pose::scale::{MultiPoseInput, Side};
use microact_protocol::Backend;

const FOLDER: &str = "tests/fixtures/wide";
const MODEL: &str = "movenet-multipose";
/// People at least this tall (source pixels) are the ones the recall goal is about.
const TALL_ENOUGH: f64 = 40.0;
const MIN_IOU: f64 = 0.5;
const MIN_SCORE: f32 = 0.25;

/// A hand box: which clip, frame and person, where (source pixels).
#[derive(Clone, Debug)]
struct HandBox {
    clip: String,
    frame: u64,
    person: String,
    rect: Rect,
}

fn main() {
    if let Err(e) = run() {
        eprintln!("wide_people: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let manifest = Manifest::parse(&read_text(&root.join("models/manifest.json"))?)
        .map_err(|e| e.to_string())?;
    let device = cpu_device();
    let file = &manifest.get(MODEL).map_err(|e| e.to_string())?.file;
    let bytes = std::fs::read(root.join("models").join(file)).map_err(|e| e.to_string())?;
    let net = || {
        pose::load(&manifest, MODEL, bytes.clone(), Backend::Cpu, &device)
            .map_err(|e| e.to_string())
    };
    match args.first().map(String::as_str) {
        Some("--draft") => {
            let clip = args.get(1).ok_or("--draft CLIP FRAME...")?;
            let frames: Vec<u64> = args[2..].iter().filter_map(|f| f.parse().ok()).collect();
            draft(
                &root,
                clip,
                Some(&frames),
                &[Side::Longer(1024), Side::Auto],
                &net,
                &device,
            )
        }
        Some("--draft-every-frame") => {
            let clip = args.get(1).ok_or("--draft-every-frame CLIP")?;
            draft(&root, clip, None, &[Side::Longer(512)], &net, &device)
        }
        Some("--ids") => ids(&root, &hand_boxes(&root, "identities.csv")?, &net, &device),
        _ => recall(&root, &hand_boxes(&root, "boxes.csv")?, &net, &device),
    }
}

fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn hand_boxes(root: &Path, file: &str) -> Result<Vec<HandBox>, String> {
    let path = root.join(FOLDER).join(file);
    let mut reader =
        csv::Reader::from_path(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut boxes = Vec::new();
    for record in reader.records() {
        let r = record.map_err(|e| format!("{file}: {e}"))?;
        let line = r.position().map_or(0, |p| p.line());
        let field = |i: usize| r.get(i).unwrap_or("").trim();
        let num = |i: usize| {
            field(i)
                .parse::<f64>()
                .map_err(|_| format!("{file} line {line}: field {} {:?}", i + 1, field(i)))
        };
        boxes.push(HandBox {
            clip: field(0).to_string(),
            frame: num(1)? as u64,
            person: field(2).to_string(),
            rect: Rect {
                x: num(3)?,
                y: num(4)?,
                width: num(5)?,
                height: num(6)?,
            },
        });
    }
    Ok(boxes)
}

/// The settings compared.
fn settings() -> Vec<(String, MultiPoseInput)> {
    let at = |side, zoom| MultiPoseInput { side, zoom };
    let mut all = vec![("256 × 256".to_string(), at(Side::Exported, false))];
    for s in [384, 512, 768, 1024] {
        all.push((format!("{s}"), at(Side::Longer(s), false)));
    }
    all.push(("auto".into(), at(Side::Auto, false)));
    all.push(("256 × 256 + zoom".into(), at(Side::Exported, true)));
    all.push(("512 + zoom".into(), at(Side::Longer(512), true)));
    all.push(("auto + zoom".into(), at(Side::Auto, true)));
    all
}

fn iou(a: &Rect, b: &Rect) -> f64 {
    let w = (a.x + a.width).min(b.x + b.width) - a.x.max(b.x);
    let h = (a.y + a.height).min(b.y + b.height) - a.y.max(b.y);
    if w <= 0.0 || h <= 0.0 {
        return 0.0;
    }
    let i = w * h;
    i / (a.width * a.height + b.width * b.height - i)
}

/// Greedy matching, best overlap first: for each hand box, the index of the found box it
/// matched.
fn matches(hand: &[&HandBox], found: &[Rect]) -> Vec<Option<usize>> {
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (i, h) in hand.iter().enumerate() {
        for (j, f) in found.iter().enumerate() {
            let o = iou(&h.rect, f);
            if o >= MIN_IOU {
                pairs.push((o, i, j));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut out = vec![None; hand.len()];
    let mut taken = vec![false; found.len()];
    for (_, i, j) in pairs {
        if out[i].is_none() && !taken[j] {
            out[i] = Some(j);
            taken[j] = true;
        }
    }
    out
}

/// Found, of the tall enough and of all; and boxes that matched nobody.
#[derive(Default, Clone, Copy)]
struct Tally {
    tall: usize,
    tall_found: usize,
    all: usize,
    all_found: usize,
    extra: usize,
    frames: usize,
    ms: f64,
}

impl Tally {
    fn add(&mut self, hand: &[&HandBox], found: &[Rect]) {
        let m = matches(hand, found);
        for (h, m) in hand.iter().zip(&m) {
            self.all += 1;
            self.all_found += usize::from(m.is_some());
            if h.rect.height >= TALL_ENOUGH {
                self.tall += 1;
                self.tall_found += usize::from(m.is_some());
            }
        }
        self.extra += found.len() - m.iter().flatten().count();
        self.frames += 1;
    }

    fn cell(&self) -> String {
        let r = |f: usize, n: usize| {
            if n == 0 {
                "–".to_string()
            } else {
                format!("{:.2}", f as f64 / n as f64)
            }
        };
        format!(
            "{} ({}/{}), all {}, {} extra",
            r(self.tall_found, self.tall),
            self.tall_found,
            self.tall,
            r(self.all_found, self.all),
            self.extra
        )
    }
}

/// The frames of `clip` in order (those in `wanted`, or all), each handed to `each` with its
/// number and the clip's size as it is decoded.
fn each_frame(
    root: &Path,
    clip: &str,
    wanted: Option<&[u64]>,
    mut each: impl FnMut(u64, &yuv::Planes, &Probe) -> Result<(), String>,
) -> Result<(), String> {
    let path = root.join(FOLDER).join(format!("{clip}.webm"));
    let probe = native::probe(&path).map_err(|e| e.to_string())?;
    let mut reader = native::Frames::open(&path, &probe).map_err(|e| e.to_string())?;
    let last = wanted.map(|w| w.iter().copied().max().unwrap_or(0));
    let mut n = 0u64;
    while last.is_none_or(|last| n <= last) {
        let Some(planes) = reader.next_planes().map_err(|e| e.to_string())? else {
            break;
        };
        if wanted.is_none_or(|w| w.contains(&n)) {
            each(n, &planes, &probe)?;
        }
        n += 1;
    }
    Ok(())
}

/// The people kept (scoring at least [`MIN_SCORE`], with a box): their track id and box.
fn found_of(people: &[microact_protocol::Person]) -> Vec<(u32, Rect)> {
    people
        .iter()
        .filter(|p| p.score >= MIN_SCORE)
        .filter_map(|p| {
            let [x, y, width, height] = p.bbox?;
            Some((
                p.id,
                Rect {
                    x,
                    y,
                    width,
                    height,
                },
            ))
        })
        .collect()
}

fn boxes_of(people: &[microact_protocol::Person]) -> Vec<Rect> {
    found_of(people).into_iter().map(|(_, r)| r).collect()
}

type NewNet<'a> = dyn Fn() -> Result<microact_models::pose::PoseNet, String> + 'a;

fn recall(root: &Path, hand: &[HandBox], net: &NewNet, device: &Device) -> Result<(), String> {
    let clips: Vec<String> = {
        let mut c: Vec<String> = hand.iter().map(|h| h.clip.clone()).collect();
        c.dedup();
        c
    };
    let tfjs_dir = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"))
        .join("wide-people-tfjs");
    let _ = std::fs::remove_dir_all(&tfjs_dir);
    std::fs::create_dir_all(&tfjs_dir).map_err(|e| e.to_string())?;
    let settings = settings();
    // clip → setting → tally; and what TF.js will be asked: file stem → (letterbox, clip, frame).
    let mut ours: BTreeMap<(String, usize), Tally> = BTreeMap::new();
    let mut asked: BTreeMap<String, (Letterbox, String, u64)> = BTreeMap::new();
    let mut estimator = Estimator::new(net()?);
    for clip in &clips {
        let wanted: Vec<u64> = hand
            .iter()
            .filter(|h| &h.clip == clip)
            .map(|h| h.frame)
            .collect();
        each_frame(root, clip, Some(&wanted), |number, planes, probe| {
            let size = probe.size;
            let here: Vec<&HandBox> = hand
                .iter()
                .filter(|h| &h.clip == clip && h.frame == number)
                .collect();
            for (k, (_, setting)) in settings.iter().enumerate() {
                estimator.set_multi(*setting);
                estimator.reset();
                let started = Instant::now();
                let (people, inputs) =
                    native::estimate(&mut estimator, device, planes, probe, false, 0.0)
                        .map_err(|e| e.to_string())?;
                let tally = ours.entry((clip.clone(), k)).or_default();
                tally.ms += started.elapsed().as_secs_f64() * 1000.0;
                tally.add(&here, &boxes_of(&people));
                // TF.js on the same whole-frame input (fixed sizes only: auto's depends on the
                // frames before).
                if !setting.zoom && setting.side != Side::Auto {
                    let input = inputs[0];
                    let stem = format!("{clip}.{number}.{}x{}", input.width, input.height);
                    let letterbox = Letterbox::fit(size, input).map_err(|e| e.to_string())?;
                    let rgba = yuv::crop_to_rgba(
                        planes,
                        probe.colour,
                        Rect {
                            x: 0.0,
                            y: 0.0,
                            width: f64::from(size.width),
                            height: f64::from(size.height),
                        },
                        letterbox.placed,
                        input.width,
                        input.height,
                    );
                    let rgb: Vec<u8> = rgba
                        .chunks_exact(4)
                        .flat_map(|p| [p[0], p[1], p[2]])
                        .collect();
                    std::fs::write(tfjs_dir.join(format!("{stem}.rgb")), rgb)
                        .map_err(|e| e.to_string())?;
                    asked.insert(stem, (letterbox, clip.clone(), number));
                }
            }
            Ok(())
        })?;
    }
    let tfjs = tfjs_recall(root, &tfjs_dir, &asked, hand)?;
    println!(
        "| clip | setting | ours: recall ≥ 40 px (found/boxed), all, extra | ms/frame (CPU) | TF.js MultiPose, same input |"
    );
    println!("|---|---|---|---|---|");
    for clip in &clips {
        for (k, (name, setting)) in settings.iter().enumerate() {
            let t = ours.get(&(clip.clone(), k)).copied().unwrap_or_default();
            let side = match setting.side {
                Side::Exported => Some(256),
                Side::Longer(s) => Some(s),
                Side::Auto => None,
            };
            let theirs = match (&tfjs, side, setting.zoom) {
                (Some(tfjs), Some(side), false) => tfjs
                    .get(&(clip.clone(), side))
                    .map_or("–".to_string(), Tally::cell),
                (None, _, false) if side.is_some() => "not run".to_string(),
                _ => "–".to_string(),
            };
            println!(
                "| {clip} | {name} | {} | {:.0} | {theirs} |",
                t.cell(),
                t.ms / t.frames.max(1) as f64
            );
        }
    }
    Ok(())
}

/// TF.js's recall per (clip, longer side), or `None` when its model files are not there.
fn tfjs_recall(
    root: &Path,
    dir: &Path,
    asked: &BTreeMap<String, (Letterbox, String, u64)>,
    hand: &[HandBox],
) -> Result<Option<BTreeMap<(String, u32), Tally>>, String> {
    let shared = std::env::var("MICROACT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("../shared"));
    let models = shared.join("models-src");
    if !models.join(format!("{MODEL}.json")).exists() {
        eprintln!("TF.js left out: {} has no {MODEL}.json", models.display());
        return Ok(None);
    }
    let status = Command::new("node")
        .arg(root.join("scripts/reference/movenet.mjs"))
        .arg(&models)
        .arg("--multipose-frames")
        .arg(dir)
        .current_dir(root)
        .status()
        .map_err(|e| format!("node: {e}"))?;
    if !status.success() {
        return Err(format!("TF.js reference failed: {status}"));
    }
    let text = read_text(&dir.join(format!("{MODEL}.tfjs.json")))?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let mut out: BTreeMap<(String, u32), Tally> = BTreeMap::new();
    for (stem, (letterbox, clip, frame)) in asked {
        let rows = json["frames"][stem]
            .as_array()
            .ok_or(format!("TF.js gave nothing for {stem}"))?;
        let (w, h) = (
            f64::from(letterbox.target.width),
            f64::from(letterbox.target.height),
        );
        let found: Vec<Rect> = rows
            .iter()
            .filter_map(|row| {
                let v: Vec<f64> = row.as_array()?.iter().filter_map(|v| v.as_f64()).collect();
                (v.len() == 56 && v[55] >= f64::from(MIN_SCORE)).then(|| {
                    let (x0, y0) = letterbox.to_source(v[52] * w, v[51] * h);
                    let (x1, y1) = letterbox.to_source(v[54] * w, v[53] * h);
                    Rect {
                        x: x0,
                        y: y0,
                        width: x1 - x0,
                        height: y1 - y0,
                    }
                })
            })
            .collect();
        let here: Vec<&HandBox> = hand
            .iter()
            .filter(|b| &b.clip == clip && b.frame == *frame)
            .collect();
        let side = letterbox.target.width.max(letterbox.target.height);
        out.entry((clip.clone(), side))
            .or_default()
            .add(&here, &found);
    }
    Ok(Some(out))
}

/// Draft boxes for hand checking: what each of `sides` with zoom finds on each frame (of
/// `wanted`, or all) looked at alone, joined.
fn draft(
    root: &Path,
    clip: &str,
    wanted: Option<&[u64]>,
    sides: &[Side],
    net: &NewNet,
    device: &Device,
) -> Result<(), String> {
    let mut estimator = Estimator::new(net()?);
    println!("clip,frame,person,x,y,width,height");
    each_frame(root, clip, wanted, |number, planes, probe| {
        let mut all: Vec<Rect> = Vec::new();
        for &side in sides {
            estimator.set_multi(MultiPoseInput { side, zoom: true });
            estimator.reset();
            let (people, _) = native::estimate(&mut estimator, device, planes, probe, false, 0.0)
                .map_err(|e| e.to_string())?;
            for b in boxes_of(&people) {
                if all.iter().all(|a| iou(a, &b) < 0.5) {
                    all.push(b);
                }
            }
        }
        for (i, b) in all.iter().enumerate() {
            println!(
                "{clip},{number},p{},{:.0},{:.0},{:.0},{:.0}",
                i + 1,
                b.x,
                b.y,
                b.width,
                b.height
            );
        }
        Ok(())
    })
}

/// Id switches per person-minute on the plaza against `identities.csv` (people on every tenth
/// frame, joined across frames: see the README): the whole clip run in order through each
/// setting's tracker; at each of those frames, each person's matched track id; a switch is a
/// person's id differing from their previous matched one.
fn ids(root: &Path, hand: &[HandBox], net: &NewNet, device: &Device) -> Result<(), String> {
    let clip = "plaza-60s";
    let boxed: Vec<&HandBox> = hand.iter().filter(|h| h.clip == clip).collect();
    let path = root.join(FOLDER).join(format!("{clip}.webm"));
    let probe = native::probe(&path).map_err(|e| e.to_string())?;
    let rate = probe.rate;
    let mut wanted: Vec<u64> = boxed.iter().map(|h| h.frame).collect();
    wanted.sort_unstable();
    wanted.dedup();
    // Person-minutes: each person from their first to their last boxed frame.
    let mut spans: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for h in &boxed {
        let s = spans.entry(&h.person).or_insert((h.frame, h.frame));
        s.0 = s.0.min(h.frame);
        s.1 = s.1.max(h.frame);
    }
    let minutes: f64 = spans
        .values()
        .map(|(a, b)| (rate.start_of(*b) - rate.start_of(*a)) / 60.0)
        .sum();
    println!(
        "| setting | id switches | person-minutes | per person-minute | people matched (of boxed) | ms/frame |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, setting) in [
        (
            "512",
            MultiPoseInput {
                side: Side::Longer(512),
                zoom: false,
            },
        ),
        (
            "auto",
            MultiPoseInput {
                side: Side::Auto,
                zoom: false,
            },
        ),
        (
            "auto + zoom",
            MultiPoseInput {
                side: Side::Auto,
                zoom: true,
            },
        ),
    ] {
        // WIDE_IDS_ONLY=NAME runs that setting alone.
        if std::env::var("WIDE_IDS_ONLY").is_ok_and(|only| only != name) {
            continue;
        }
        let mut estimator = Estimator::new(net()?);
        estimator.set_multi(setting);
        let mut last: BTreeMap<&str, u32> = BTreeMap::new();
        let mut seen: BTreeMap<&str, Vec<(u64, u32)>> = BTreeMap::new();
        let (mut switches, mut matched) = (0usize, 0usize);
        let started = Instant::now();
        let n = native::pose_each(&path, &probe, &mut estimator, device, |n, people| {
            if !wanted.contains(&n) {
                return;
            }
            let here: Vec<&HandBox> = boxed.iter().copied().filter(|h| h.frame == n).collect();
            let (ids, rects): (Vec<u32>, Vec<Rect>) = found_of(&people).into_iter().unzip();
            for (h, m) in here.iter().zip(matches(&here, &rects)) {
                let Some(j) = m else { continue };
                matched += 1;
                let id = ids[j];
                seen.entry(&h.person).or_default().push((n, id));
                if last.insert(&h.person, id).is_some_and(|was| was != id) {
                    switches += 1;
                }
            }
        })
        .map_err(|e| e.to_string())?;
        let ms = started.elapsed().as_secs_f64() * 1000.0 / n.max(1) as f64;
        if std::env::var_os("WIDE_IDS_DETAIL").is_some() {
            for (person, ids) in &seen {
                eprintln!("{name} {person}: {ids:?}");
            }
        }
        println!(
            "| {name} | {switches} | {minutes:.2} | {:.2} | {matched} of {} | {ms:.0} |",
            switches as f64 / minutes.max(1e-9),
            boxed.len()
        );
    }
    Ok(())
}
