//! The timeline's hot paths over 100 000 segments: a visible-window query (against a linear scan
//! of the same track, the peer it replaces) and reading/writing the native project file.
//!
//! `cargo bench -p microact-core --bench timeline`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use microact_core::formats::native;
use microact_core::query::TrackIndex;
use microact_core::sample::many_segments;

const SEGMENTS: usize = 100_000;

fn queries(c: &mut Criterion) {
    let project = many_segments(SEGMENTS, 1);
    let track = &project.tracks[0];
    let end = track.segments.last().map_or(0, |s| s.end);
    // A 10 s window at 30 fps in the middle of the track.
    let (t0, t1) = (end / 2, end / 2 + 300);
    let mut group = c.benchmark_group("visible window, 100k segments");
    group.bench_function("TrackIndex::visible", |b| {
        let index = TrackIndex::new(track);
        b.iter(|| index.visible(black_box(t0), black_box(t1)).count())
    });
    group.bench_function("linear scan (peer)", |b| {
        b.iter(|| {
            track
                .segments
                .iter()
                .filter(|s| s.start < black_box(t1) && s.end > black_box(t0))
                .count()
        })
    });
    group.bench_function("TrackIndex::new (once per edit)", |b| {
        b.iter(|| TrackIndex::new(black_box(track)).visible(0, 1).count())
    });
    group.finish();
}

fn native_file(c: &mut Criterion) {
    let project = many_segments(SEGMENTS, 4);
    let text = native::export(&project);
    let mut group = c.benchmark_group("native JSON, 100k segments");
    group.sample_size(10);
    group.bench_function("import", |b| {
        b.iter(|| native::import(black_box(&text)).map(|p| p.tracks.len()))
    });
    group.bench_function("export", |b| {
        b.iter(|| native::export(black_box(&project)).len())
    });
    group.finish();
}

criterion_group!(benches, queries, native_file);
criterion_main!(benches);
