//! ELAN annotation files (EAF 3.0 written; EAF 2.7–3.0 read, as ELAN and pympi write them).
//!
//! An EAF document (`ANNOTATION_DOCUMENT`) annotates the media its `HEADER` lists in
//! `MEDIA_DESCRIPTOR`s (we write one, `MEDIA_URL`/`RELATIVE_MEDIA_URL` holding the video's file
//! name). `TIME_ORDER` declares `TIME_SLOT`s in milliseconds (a slot may lack `TIME_VALUE`:
//! ELAN leaves subdivision boundaries unaligned). Each `TIER` holds annotations:
//! `ALIGNABLE_ANNOTATION`s span two time slots, `REF_ANNOTATION`s belong to an annotation of the
//! `PARENT_REF` tier; both carry an `ANNOTATION_VALUE`. A tier's `LINGUISTIC_TYPE` says whether it
//! is time-alignable, its constraint (`Symbolic_Association`: one value per parent annotation) and
//! the `CONTROLLED_VOCABULARY` its values come from (EAF 3.0: `CV_ENTRY_ML` holding one
//! `CVE_VALUE` per language; 2.x: `CV_ENTRY` with the value as text); an annotation names its
//! entry in `CVE_REF`. Mapping: one top-level tier per track (`TIER_ID` = track name,
//! `PARTICIPANT` = person id, `ANNOTATOR` = the annotator of its first human segment), one
//! alignable annotation per segment whose value is the label's name; each label set used becomes
//! a vocabulary (`CV_ID` = set id, entries = all its labels, the `DESCRIPTION` their path) and a
//! linguistic type of the same id that tiers using the set refer to. Segment fields ride on
//! `Symbolic_Association` tiers named `field@track` (ELAN's usual `type@participant` naming):
//! `note`, `status` (when not accepted), `source` (`human:<annotator>` or
//! `model:<name>:<version>:<score>`, when not the tier's annotator) and one per attribute key.
//! Track-level facts that have no tier attribute are header `PROPERTY`s, which both ELAN and
//! pympi read and write back untouched (a dependent tier would repeat a per-track text on every
//! annotation): `description@track`, `exclusive@track`, and `microact frame rate` (`25` or
//! `num/den`). Export writes ground truth ([`super::truth`]), and the proposals nobody accepted
//! (with their `status@track`) only when asked.
//! Import reads every tier with alignable annotations (or none, and no parent) as a track and
//! every reference tier's values as fields of the annotation they (eventually) refer to;
//! vocabularies the open project lacks become label sets, values are resolved with
//! [`ImportBuilder::label`] preferring the vocabulary of the `CVE_REF` or of the tier's type.
//! Unaligned slots are interpolated linearly between the aligned slots around them in
//! `TIME_ORDER`; an annotation on a slot that cannot be placed is an error. Not carried: person
//! boxes, poses, the annotator list, video size, hash and frame count (the app re-reads them from
//! the clip); label colours, shortcuts and ids that differ from names when the importing project
//! lacks the set. ELAN's editor keeps annotations of one tier apart, so it will not create the
//! overlaps a non-exclusive track may hold, though it loads them.

use std::collections::{BTreeSet, HashMap};

use super::builder::SegmentIn;
use super::common::{decode_name, encode_name};
use super::truth::Include;
use super::xml::{self, Element};
use super::{FormatError, ImportBuilder};
use crate::labels::{Label, LabelSet, palette};
use crate::model::{Project, Segment, Source, Status, Track, VideoId};
use crate::time::FrameRate;

pub const FORMAT: &str = "ELAN EAF";

/// The language our vocabulary entries are in: ISO 639-3 "undetermined", as ELAN writes it.
const LANGUAGE: &str = "und";
/// The linguistic type of tracks whose segments use no label set (empty tracks).
const PLAIN_TYPE: &str = "microact";
/// The linguistic type of the `field@track` tiers.
const FIELD_TYPE: &str = "microact field";
const RATE_PROPERTY: &str = "microact frame rate";
const DESCRIPTION: &str = "description";
const EXCLUSIVE: &str = "exclusive";
const NOTE: &str = "note";
const STATUS: &str = "status";
const SOURCE: &str = "source";
/// Times past this (about 116 days) are corrupt; refusing them keeps frame arithmetic in range.
const MAX_MILLISECONDS: f64 = 1e10;

/// The EAF 3.0 document for `video`'s tracks: their ground truth, and the proposals nobody
/// accepted (each with its `status@track`) when `include` asks ([`super::truth`]).
pub fn export(project: &Project, video: VideoId, include: Include) -> Result<String, FormatError> {
    let v = project
        .video(video)
        .ok_or_else(|| FormatError::field(FORMAT, "video", format!("no video {}", video.0)))?;
    let kept: Vec<Track> = project
        .tracks_of(video)
        .map(|t| Track {
            segments: t
                .segments
                .iter()
                .filter(|s| include.keeps(s))
                .cloned()
                .collect(),
            ..t.clone()
        })
        .collect();
    let tracks: Vec<&Track> = kept.iter().collect();
    let sets: Vec<&LabelSet> = project
        .label_sets
        .iter()
        .filter(|set| {
            tracks
                .iter()
                .any(|t| t.segments.iter().any(|s| s.label.set == set.id))
        })
        .collect();

    let mut ids = Ids::default();
    let mut vocabularies = Vec::new();
    let mut entries: HashMap<(&str, &str), String> = HashMap::new();
    for set in &sets {
        let mut cv = Element::new("CONTROLLED_VOCABULARY")
            .attr("CV_ID", &set.id)
            .child(
                Element::new("DESCRIPTION")
                    .attr("LANG_REF", LANGUAGE)
                    .text(&set.name),
            );
        for label in &set.labels {
            let id = ids.next("cve");
            cv = cv.child(
                Element::new("CV_ENTRY_ML").attr("CVE_ID", &id).child(
                    Element::new("CVE_VALUE")
                        .attr("DESCRIPTION", set.path(&label.id).join(" › "))
                        .attr("LANG_REF", LANGUAGE)
                        .text(&label.name),
                ),
            );
            entries.insert((&set.id, &label.id), id);
        }
        vocabularies.push(cv);
    }

    // Slots are numbered in time order, as ELAN does, after every boundary is known.
    let mut boundaries: Vec<u64> = Vec::new();
    let mut tiers = Vec::new();
    let mut properties = vec![(RATE_PROPERTY.to_string(), v.rate.text())];
    let mut slot_refs: Vec<(usize, usize)> = Vec::new();
    for track in &tracks {
        let name = &track.meta.name;
        let annotator = track.segments.iter().find_map(|s| match &s.source {
            Source::Human { annotator } => Some(annotator.as_str()),
            Source::Model { .. } => None,
        });
        let kind = track
            .segments
            .first()
            .map_or(PLAIN_TYPE, |s| s.label.set.as_str());
        let mut tier = Element::new("TIER")
            .attr("TIER_ID", name)
            .attr("LINGUISTIC_TYPE_REF", kind)
            .attr("PARTICIPANT", track.meta.person.to_string());
        if let Some(annotator) = annotator {
            tier = tier.attr("ANNOTATOR", annotator);
        }
        let mut fields: Vec<(String, Vec<(String, String)>)> = Vec::new();
        for segment in &track.segments {
            let id = ids.next("a");
            let slots = (boundaries.len(), boundaries.len() + 1);
            boundaries.push(milliseconds(v.seconds(segment.start)));
            boundaries.push(milliseconds(v.seconds(segment.end)));
            slot_refs.push(slots);
            let label = project.label(&segment.label);
            let mut annotation = Element::new("ALIGNABLE_ANNOTATION")
                .attr("ANNOTATION_ID", &id)
                // Replaced by the slot's id once slots are numbered.
                .attr("TIME_SLOT_REF1", slots.0.to_string())
                .attr("TIME_SLOT_REF2", slots.1.to_string());
            if let Some(cve) =
                entries.get(&(segment.label.set.as_str(), segment.label.label.as_str()))
            {
                annotation = annotation.attr("CVE_REF", cve);
            }
            let value = label.map_or(segment.label.label.as_str(), |l| l.name.as_str());
            tier = tier.child(
                Element::new("ANNOTATION")
                    .child(annotation.child(Element::new("ANNOTATION_VALUE").text(value))),
            );
            for (field, value) in segment_fields(segment, annotator) {
                match fields.iter_mut().find(|(f, _)| *f == field) {
                    Some((_, values)) => values.push((id.clone(), value)),
                    None => fields.push((field, vec![(id.clone(), value)])),
                }
            }
        }
        tiers.push(tier);
        for (field, values) in fields {
            let mut dependent = Element::new("TIER")
                .attr("TIER_ID", format!("{field}@{name}"))
                .attr("LINGUISTIC_TYPE_REF", FIELD_TYPE)
                .attr("PARENT_REF", name);
            for (parent, value) in values {
                dependent = dependent.child(
                    Element::new("ANNOTATION").child(
                        Element::new("REF_ANNOTATION")
                            .attr("ANNOTATION_ID", ids.next("a"))
                            .attr("ANNOTATION_REF", parent)
                            .child(Element::new("ANNOTATION_VALUE").text(value)),
                    ),
                );
            }
            tiers.push(dependent);
        }
        if let Some(description) = &track.meta.description {
            properties.push((format!("{DESCRIPTION}@{name}"), description.clone()));
        }
        if track.meta.exclusive {
            properties.push((format!("{EXCLUSIVE}@{name}"), "true".into()));
        }
    }
    let mut order: Vec<usize> = (0..boundaries.len()).collect();
    order.sort_by_key(|&i| boundaries.get(i).copied().unwrap_or(0));
    let mut slot_ids = vec![String::new(); boundaries.len()];
    let mut time_order = Element::new("TIME_ORDER");
    for (n, &i) in order.iter().enumerate() {
        let id = format!("ts{}", n + 1);
        time_order = time_order.child(Element::new("TIME_SLOT").attr("TIME_SLOT_ID", &id).attr(
            "TIME_VALUE",
            boundaries.get(i).copied().unwrap_or(0).to_string(),
        ));
        if let Some(slot) = slot_ids.get_mut(i) {
            *slot = id;
        }
    }
    for annotation in tiers
        .iter_mut()
        .flat_map(|t| t.children.iter_mut())
        .flat_map(|a| a.children.iter_mut())
        .filter(|a| a.name == "ALIGNABLE_ANNOTATION")
    {
        for (key, value) in &mut annotation.attributes {
            if key.starts_with("TIME_SLOT_REF")
                && let Some(id) = value.parse::<usize>().ok().and_then(|i| slot_ids.get(i))
            {
                *value = id.clone();
            }
        }
    }

    let mut header = Element::new("HEADER")
        .attr("MEDIA_FILE", "")
        .attr("TIME_UNITS", "milliseconds")
        .child(
            Element::new("MEDIA_DESCRIPTOR")
                // The clip beside the .eaf: a relative reference, not a file at the disk's root.
                .attr("MEDIA_URL", encode_name(&v.name))
                .attr("MIME_TYPE", mime_type(&v.name))
                .attr("RELATIVE_MEDIA_URL", format!("./{}", encode_name(&v.name))),
        );
    properties.push(("lastUsedAnnotationId".into(), ids.count("a").to_string()));
    for (name, value) in properties {
        header = header.child(Element::new("PROPERTY").attr("NAME", name).text(value));
    }

    let mut root = Element::new("ANNOTATION_DOCUMENT")
        .attr("AUTHOR", "microact")
        // The core has no clock (it runs in the browser too); ELAN restamps the date on save.
        .attr("DATE", "1970-01-01T00:00:00+00:00")
        .attr("FORMAT", "3.0")
        .attr("VERSION", "3.0")
        .attr("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
        .attr(
            "xsi:noNamespaceSchemaLocation",
            "http://www.mpi.nl/tools/elan/EAFv3.0.xsd",
        )
        .child(header)
        .child(time_order);
    root.children.extend(tiers);
    let linguistic_type = |id: &str, cv: Option<&str>| {
        let kind = Element::new("LINGUISTIC_TYPE")
            .attr("GRAPHIC_REFERENCES", "false")
            .attr("LINGUISTIC_TYPE_ID", id)
            .attr("TIME_ALIGNABLE", "true");
        match cv {
            Some(cv) => kind.attr("CONTROLLED_VOCABULARY_REF", cv),
            None => kind,
        }
    };
    root = root.child(linguistic_type(PLAIN_TYPE, None));
    for set in &sets {
        root = root.child(linguistic_type(&set.id, Some(&set.id)));
    }
    root = root
        .child(
            Element::new("LINGUISTIC_TYPE")
                .attr("CONSTRAINTS", "Symbolic_Association")
                .attr("GRAPHIC_REFERENCES", "false")
                .attr("LINGUISTIC_TYPE_ID", FIELD_TYPE)
                .attr("TIME_ALIGNABLE", "false"),
        )
        .child(
            Element::new("LANGUAGE")
                .attr("LANG_DEF", "http://cdb.iso.org/lg/CDB-00130975-001")
                .attr("LANG_ID", LANGUAGE)
                .attr("LANG_LABEL", "undetermined (und)"),
        )
        .child(
            Element::new("CONSTRAINT")
                .attr("DESCRIPTION", "1-1 association with a parent annotation")
                .attr("STEREOTYPE", "Symbolic_Association"),
        );
    root.children.extend(vocabularies);
    Ok(xml::print(&root))
}

/// Sequential ids with a prefix, as ELAN numbers annotations (`a1`, `a2`, …).
#[derive(Default)]
struct Ids(HashMap<&'static str, usize>);

impl Ids {
    fn next(&mut self, prefix: &'static str) -> String {
        let n = self.0.entry(prefix).or_default();
        *n += 1;
        format!("{prefix}{n}")
    }

    fn count(&self, prefix: &str) -> usize {
        self.0.get(prefix).copied().unwrap_or(0)
    }
}

/// The `field@track` values a segment needs beyond its label and times.
fn segment_fields(segment: &Segment, annotator: Option<&str>) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    if let Some(note) = &segment.note {
        fields.push((NOTE.to_string(), note.clone()));
    }
    if segment.status != Status::Accepted {
        fields.push((STATUS.to_string(), segment.status.as_str().to_string()));
    }
    match &segment.source {
        Source::Human { annotator: a } if Some(a.as_str()) == annotator => {}
        source => fields.push((SOURCE.to_string(), source_text(source))),
    }
    for (key, value) in &segment.attributes {
        fields.push((key.clone(), value.clone()));
    }
    fields
}

fn source_text(source: &Source) -> String {
    match source {
        Source::Human { annotator } => format!("human:{annotator}"),
        Source::Model {
            name,
            version,
            score,
        } => format!("model:{name}:{version}:{score}"),
    }
}

fn parse_source(text: &str) -> Option<Source> {
    if let Some(annotator) = text.strip_prefix("human:") {
        return Some(Source::Human {
            annotator: annotator.to_string(),
        });
    }
    // The name may hold colons; version and score are the last two fields.
    let rest = text.strip_prefix("model:")?;
    let (rest, score) = rest.rsplit_once(':')?;
    let (name, version) = rest.rsplit_once(':')?;
    Some(Source::Model {
        name: name.to_string(),
        version: version.to_string(),
        score: score.parse().ok()?,
    })
}

fn milliseconds(seconds: f64) -> u64 {
    (seconds * 1000.0).round().max(0.0) as u64
}

fn mime_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("mp4" | "m4v") => "video/mp4",
        Some("webm") => "video/webm",
        Some("mpg" | "mpeg") => "video/mpeg",
        Some("mov") => "video/quicktime",
        Some("wav") => "audio/x-wav",
        _ => "video/*",
    }
}

/// The media file an EAF header names: the last path segment of its first video descriptor (or
/// first descriptor), relative URL preferred.
fn media_name(header: Option<&Element>) -> Option<String> {
    let descriptors: Vec<&Element> = header?.all("MEDIA_DESCRIPTOR").collect();
    let descriptor = descriptors
        .iter()
        .find(|d| d.get("MIME_TYPE").is_some_and(|m| m.starts_with("video")))
        .or(descriptors.first())?;
    let url = descriptor
        .get("RELATIVE_MEDIA_URL")
        .or(descriptor.get("MEDIA_URL"))?;
    let name = url.rsplit(['/', '\\']).next().unwrap_or(url);
    (!name.is_empty()).then(|| decode_name(name))
}

/// Reads an EAF document into a project beside `base`; `Err` names the line of the element at
/// fault.
pub fn import(base: &Project, text: &str) -> Result<Project, FormatError> {
    let root = xml::parse(FORMAT, text)?;
    if root.name != "ANNOTATION_DOCUMENT" {
        return Err(root.error(
            FORMAT,
            format!("expected <ANNOTATION_DOCUMENT>, found <{}>", root.name),
        ));
    }
    let header = root.first("HEADER");
    if let Some(units) = header.and_then(|h| h.get("TIME_UNITS"))
        && units != "milliseconds"
    {
        return Err(header.map_or_else(
            || FormatError::file(FORMAT, ""),
            |h| {
                h.error(
                    FORMAT,
                    format!("TIME_UNITS {units:?} is not supported (only milliseconds)"),
                )
            },
        ));
    }
    let properties: HashMap<&str, &str> = header
        .into_iter()
        .flat_map(|h| h.all("PROPERTY"))
        .filter_map(|p| Some((p.get("NAME")?, p.text.trim())))
        .collect();

    let mut builder = ImportBuilder::new(base);
    let name = media_name(header)
        .or_else(|| match base.videos.as_slice() {
            [only] => Some(only.name.clone()),
            _ => None,
        })
        .unwrap_or_else(|| "unknown media".into());
    let rate = properties
        .get(RATE_PROPERTY)
        .and_then(|r| FrameRate::parse(r));
    let video = builder.video(&name, None, rate);

    let slots = time_slots(&root)?;
    let vocabularies = vocabularies(&root, &mut builder);
    let type_vocabulary: HashMap<&str, &str> = root
        .all("LINGUISTIC_TYPE")
        .filter_map(|t| {
            Some((
                t.get("LINGUISTIC_TYPE_ID")?,
                t.get("CONTROLLED_VOCABULARY_REF")?,
            ))
        })
        .collect();
    let fields = reference_fields(&root)?;

    for tier in root.all("TIER") {
        let tier_id = tier.require(FORMAT, "TIER_ID")?;
        let annotations: Vec<&Element> = tier
            .all("ANNOTATION")
            .flat_map(|a| a.all("ALIGNABLE_ANNOTATION"))
            .collect();
        if annotations.is_empty() && tier.get("PARENT_REF").is_some() {
            continue;
        }
        let track = builder.track(video, tier_id);
        if let Some(meta) = builder.track_mut(track).map(|t| &mut t.meta) {
            if let Some(person) = tier.get("PARTICIPANT").and_then(|p| p.trim().parse().ok()) {
                meta.person = person;
            }
            let property = |key: &str| properties.get(format!("{key}@{tier_id}").as_str()).copied();
            if let Some(description) = property(DESCRIPTION) {
                meta.description = Some(description.to_string());
            }
            meta.exclusive = property(EXCLUSIVE) == Some("true");
        }
        let annotator = tier.get("ANNOTATOR").unwrap_or("");
        let tier_set = tier
            .get("LINGUISTIC_TYPE_REF")
            .and_then(|t| type_vocabulary.get(t).copied());
        for annotation in annotations {
            let id = annotation.require(FORMAT, "ANNOTATION_ID")?;
            let time = |key: &str| -> Result<f64, FormatError> {
                let slot = annotation.require(FORMAT, key)?;
                match slots.get(slot) {
                    Some(Some(ms)) => Ok(ms / 1000.0),
                    Some(None) => Err(annotation.error(
                        FORMAT,
                        format!("annotation {id}: time slot {slot} has no time and no aligned slots on both sides to place it"),
                    )),
                    None => Err(annotation.error(
                        FORMAT,
                        format!("annotation {id}: {key} {slot:?} is not a TIME_SLOT of TIME_ORDER"),
                    )),
                }
            };
            let (start, end) = (time("TIME_SLOT_REF1")?, time("TIME_SLOT_REF2")?);
            if end < start {
                return Err(
                    annotation.error(FORMAT, format!("annotation {id} ends before it starts"))
                );
            }
            let value = annotation.child_text("ANNOTATION_VALUE").unwrap_or("");
            if value.is_empty() {
                return Err(annotation.error(
                    FORMAT,
                    format!(
                        "annotation {id} has no value; microact needs a label for every segment"
                    ),
                ));
            }
            let set = annotation
                .get("CVE_REF")
                .and_then(|cve| vocabularies.get(cve).map(String::as_str))
                .or(tier_set);
            let label = builder.label(set, value);
            let mut segment = SegmentIn::human(start, end, label, annotator);
            for (field, value) in fields.get(id).into_iter().flatten() {
                apply_field(&mut segment, field, value);
            }
            builder.segment(track, segment);
        }
    }
    Ok(builder.finish())
}

/// Slot id → milliseconds, unaligned slots interpolated between the nearest aligned ones in
/// document order (`None` where there is no aligned slot on one side).
fn time_slots(root: &Element) -> Result<HashMap<&str, Option<f64>>, FormatError> {
    let mut slots: Vec<(&str, Option<f64>)> = Vec::new();
    for slot in root.all("TIME_ORDER").flat_map(|t| t.all("TIME_SLOT")) {
        let id = slot.require(FORMAT, "TIME_SLOT_ID")?;
        let value = match slot.get("TIME_VALUE") {
            None => None,
            Some(text) => match text.trim().parse::<f64>() {
                Ok(ms) if (0.0..=MAX_MILLISECONDS).contains(&ms) => Some(ms),
                _ => {
                    return Err(slot.error(
                        FORMAT,
                        format!("time slot {id}: TIME_VALUE {text:?} is not a time in milliseconds (0 to {MAX_MILLISECONDS})"),
                    ));
                }
            },
        };
        slots.push((id, value));
    }
    let aligned: Vec<(usize, f64)> = slots
        .iter()
        .enumerate()
        .filter_map(|(i, (_, ms))| ms.map(|ms| (i, ms)))
        .collect();
    for pair in aligned.windows(2) {
        let [(i, a), (j, b)] = pair else { continue };
        for k in i + 1..*j {
            if let Some((_, ms)) = slots.get_mut(k) {
                *ms = Some(a + (b - a) * (k - i) as f64 / (j - i) as f64);
            }
        }
    }
    Ok(slots.into_iter().collect())
}

/// Adds a label set for each vocabulary the project lacks and returns entry id → vocabulary id.
fn vocabularies(root: &Element, builder: &mut ImportBuilder) -> HashMap<String, String> {
    let mut owner = HashMap::new();
    for cv in root.all("CONTROLLED_VOCABULARY") {
        let Some(cv_id) = cv.get("CV_ID") else {
            continue;
        };
        let mut values = BTreeSet::new();
        let mut labels = Vec::new();
        // EAF 3.0 entries hold one value per language; 2.x entries are the value.
        let entries = cv
            .all("CV_ENTRY_ML")
            .map(|e| (e, e.child_text("CVE_VALUE")));
        let old = cv.all("CV_ENTRY").map(|e| (e, Some(e.text.trim())));
        for (entry, value) in entries.chain(old) {
            if let Some(id) = entry.get("CVE_ID") {
                owner.insert(id.to_string(), cv_id.to_string());
            }
            let Some(value) = value.filter(|v| !v.is_empty()) else {
                continue;
            };
            if values.insert(value) {
                labels.push(Label {
                    id: value.to_string(),
                    name: value.to_string(),
                    parent: None,
                    color: palette(labels.len()),
                    shortcut: None,
                });
            }
        }
        let name = cv
            .child_text("DESCRIPTION")
            .or(cv.get("DESCRIPTION"))
            .filter(|d| !d.is_empty())
            .unwrap_or(cv_id);
        builder.label_set(LabelSet {
            id: cv_id.to_string(),
            name: name.to_string(),
            labels,
        });
    }
    owner
}

/// The values of reference tiers, by the alignable annotation they refer to (through chains of
/// references), named by their tier: `field@parent` gives `field`, any other name itself.
fn reference_fields(root: &Element) -> Result<HashMap<String, Vec<(String, String)>>, FormatError> {
    let mut parent_of: HashMap<&str, &str> = HashMap::new();
    let mut values: Vec<(&str, String, &str)> = Vec::new();
    for tier in root.all("TIER") {
        let tier_id = tier.get("TIER_ID").unwrap_or("");
        let field = tier
            .get("PARENT_REF")
            .and_then(|p| tier_id.strip_suffix(p)?.strip_suffix('@'))
            .unwrap_or(tier_id);
        for reference in tier.all("ANNOTATION").flat_map(|a| a.all("REF_ANNOTATION")) {
            let id = reference.require(FORMAT, "ANNOTATION_ID")?;
            let target = reference.require(FORMAT, "ANNOTATION_REF")?;
            parent_of.insert(id, target);
            let value = reference.child_text("ANNOTATION_VALUE").unwrap_or("");
            values.push((target, field.to_string(), value));
        }
    }
    let mut fields: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (mut target, field, value) in values {
        // Bounded so a cycle of references ends.
        for _ in 0..parent_of.len() {
            match parent_of.get(target) {
                Some(next) => target = next,
                None => break,
            }
        }
        fields
            .entry(target.to_string())
            .or_default()
            .push((field, value.to_string()));
    }
    Ok(fields)
}

/// Sets what a `field@track` value says; values our own fields cannot parse are kept as
/// attributes, as are all other fields (several values for one field are joined).
fn apply_field(segment: &mut SegmentIn, field: &str, value: &str) {
    match field {
        NOTE => {
            segment.note = Some(match segment.note.take() {
                Some(before) => format!("{before}\n{value}"),
                None => value.to_string(),
            });
            return;
        }
        STATUS => {
            if let Some(status) = Status::parse(value) {
                segment.status = status;
                return;
            }
        }
        SOURCE => {
            if let Some(source) = parse_source(value) {
                segment.source = source;
                return;
            }
        }
        _ => {}
    }
    segment
        .attributes
        .entry(field.to_string())
        .and_modify(|v| {
            v.push(' ');
            v.push_str(value);
        })
        .or_insert_with(|| value.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Place;
    use crate::model::LabelRef;
    use crate::sample::sample_project;

    const PYMPI: &str = include_str!("../../tests/fixtures/formats/pympi.eaf");

    /// What EAF keeps of the sample when read back beside it: everything but boxes, poses and the
    /// annotator list (label sets and the video come from the open project).
    #[test]
    fn round_trip_keeps_tracks_segments_and_fields() {
        let sample = sample_project();
        let text = export(&sample, VideoId(0), Include::WithPredictions).unwrap();
        let back = import(&sample, &text).unwrap();
        let mut expected = sample.clone();
        expected.label_sets.clear();
        expected.annotators.clear();
        expected.poses.clear();
        for track in &mut expected.tracks {
            track.boxes.clear();
        }
        assert_eq!(back, expected);
        // The vocabulary covers the whole set and annotations point into it.
        assert_eq!(text.matches("<CV_ENTRY_ML").count(), 59);
        assert!(
            text.contains("CONTROLLED_VOCABULARY_REF=\"ma52\""),
            "{text}"
        );
        assert!(text.contains("CVE_REF=\"cve"), "{text}");
    }

    #[test]
    fn round_trip_without_the_project_rebuilds_sets_from_vocabularies() {
        let sample = sample_project();
        let back = import(
            &Project::default(),
            &export(&sample, VideoId(0), Include::WithPredictions).unwrap(),
        )
        .unwrap();
        let video = &back.videos[0];
        assert_eq!(video.name, "walk.webm");
        assert_eq!(video.rate, sample.videos[0].rate);
        // Only as long as the last segment: EAF does not know the clip's length.
        assert_eq!(video.frames, 200);
        let set = back.label_set("ma52").unwrap();
        assert_eq!(set.labels.len(), 59);
        let labels: Vec<&LabelRef> = back.segments().map(|(_, s)| &s.label).collect();
        let sample_labels: Vec<&LabelRef> = sample.segments().map(|(_, s)| &s.label).collect();
        assert_eq!(labels, sample_labels);
    }

    #[test]
    fn reads_a_file_pympi_wrote() {
        let project = import(&sample_project(), PYMPI).unwrap();
        // pympi writes no rate: milliseconds until the clip is opened, here at 30 fps.
        assert!(project.videos[0].rate_unknown);
        let project = crate::formats::common::opened_at(
            &project,
            crate::time::FrameRate::new(30, 1).unwrap(),
        );
        assert_eq!(project.videos.len(), 1);
        assert_eq!(project.videos[0].name, "walk.mp4");
        let names: Vec<&str> = project
            .tracks
            .iter()
            .map(|t| t.meta.name.as_str())
            .collect();
        assert_eq!(names, ["Speaker A", "Speaker B"]);
        let spans = |track: usize| -> Vec<(u64, u64, String, String)> {
            project.tracks[track]
                .segments
                .iter()
                .map(|s| (s.start, s.end, s.label.set.clone(), s.label.label.clone()))
                .collect()
        };
        let row = |start, end, set: &str, label: &str| (start, end, set.into(), label.into());
        // 30 fps: 1500 ms is frame 45, 3250 ms rounds to 98; the unaligned slot between 4000 and
        // 6000 ms is placed at 5000 ms (frame 150).
        assert_eq!(
            spans(0),
            [
                row(0, 45, "gestures", "waving"),
                row(60, 98, "gestures", "pointing oneself")
            ]
        );
        assert_eq!(
            spans(1),
            [
                row(15, 120, "ma52", "nodding"),
                row(120, 150, "ma52", "shrugging")
            ]
        );
        let first = &project.tracks[0].segments[0];
        assert_eq!(
            first.attributes.get("comment").map(String::as_str),
            Some("fast")
        );
        assert_eq!(
            first.source,
            Source::Human {
                annotator: "ann".into()
            }
        );
        let gestures = project.label_set("gestures").unwrap();
        assert_eq!(gestures.name, "Hand gestures");
        assert_eq!(gestures.labels.len(), 2);
    }

    /// The export of the sample as committed, which `scripts/fixtures/read_elan_export.py` loads
    /// with pympi.
    #[test]
    fn export_matches_the_committed_sample() {
        xml::assert_fixture(
            "microact-sample.eaf",
            &export(&sample_project(), VideoId(0), Include::WithPredictions).unwrap(),
        );
    }

    fn error_of(text: &str) -> FormatError {
        import(&Project::default(), text).unwrap_err()
    }

    #[test]
    fn malformed_files_are_errors_that_name_the_place() {
        let truncated = &PYMPI[..PYMPI.find("<TIER TIER_ID=\"Speaker B\"").unwrap()];
        let err = error_of(truncated);
        assert!(err.to_string().contains("the file ends inside"), "{err}");

        let missing = PYMPI.replacen("TIME_SLOT_REF2=\"ts5\"", "TIME_SLOT_REF2=\"ts55\"", 1);
        let err = error_of(&missing);
        let line = PYMPI.lines().position(|l| l.contains("\"a3\"")).unwrap() + 1;
        assert_eq!(err.place, Place::Line { line, column: None });
        assert!(err.message.contains("\"ts55\" is not a TIME_SLOT"), "{err}");

        let wrong = PYMPI.replacen("TIME_VALUE=\"1500\"", "TIME_VALUE=\"1.5s\"", 1);
        let err = error_of(&wrong);
        let line = PYMPI.lines().position(|l| l.contains("\"ts3\"")).unwrap() + 1;
        assert_eq!(err.place, Place::Line { line, column: None });
        assert!(err.message.contains("TIME_VALUE \"1.5s\""), "{err}");

        let huge = PYMPI.replacen("TIME_VALUE=\"1500\"", "TIME_VALUE=\"1e300\"", 1);
        assert!(error_of(&huge).message.contains("TIME_VALUE \"1e300\""));

        let unplaced = PYMPI.replacen(
            "<TIME_SLOT TIME_SLOT_ID=\"ts99\" TIME_VALUE=\"6000\" />",
            "",
            1,
        );
        let err = error_of(&unplaced);
        assert!(err.message.contains("time slot ts9 has no time"), "{err}");

        let empty = PYMPI.replacen(
            "<ANNOTATION_VALUE>nodding</ANNOTATION_VALUE>",
            "<ANNOTATION_VALUE/>",
            1,
        );
        assert!(
            error_of(&empty)
                .message
                .contains("annotation a5 has no value")
        );

        let err = error_of("<?xml version=\"1.0\"?>\n<TEI/>");
        assert_eq!(
            err.to_string(),
            "ELAN EAF: line 2: expected <ANNOTATION_DOCUMENT>, found <TEI>"
        );
        let err = error_of(&PYMPI.replacen("TIER_ID=\"Speaker B\"", "", 1));
        assert!(err.message.contains("<TIER> has no TIER_ID"), "{err}");
    }

    #[test]
    fn sources_and_media_names_survive_their_text_forms() {
        for source in [
            Source::Human {
                annotator: "model:x".into(),
            },
            Source::Model {
                name: "a:b".into(),
                version: "1.0".into(),
                score: 0.125,
            },
        ] {
            assert_eq!(parse_source(&source_text(&source)), Some(source));
        }
        assert_eq!(parse_source("model:x:1"), None);
        let name = "my clip #2 100%.mp4";
        assert_eq!(decode_name(&encode_name(name)), name);
        assert_eq!(decode_name("a%2"), "a%2");
    }
}
