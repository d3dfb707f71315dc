//! A clip's container opened for WebCodecs' `VideoDecoder`: its video track's codec string and
//! configuration (`description`), and each coded frame with its presentation time. MP4 through
//! `re_mp4` (Rerun's demuxer, which feeds WebCodecs in their viewer), WebM and Matroska through
//! `matroska-demuxer`. Anything else is refused with the reason, and the page seeks instead.

use std::io::Cursor;

use matroska_demuxer::{Frame, MatroskaFile, TrackType};

/// Why a clip cannot go to the decoder.
#[derive(Debug, thiserror::Error)]
pub enum DemuxError {
    #[error("the file is neither MP4 nor WebM/Matroska")]
    Container,
    #[error("the MP4 file could not be read: {0}")]
    Mp4(#[from] re_mp4::Error),
    #[error("the MP4 file could not be read: sample {0} lies outside the file")]
    Mp4Sample(u32),
    #[error("the WebM file could not be read: {0}")]
    Matroska(#[from] matroska_demuxer::DemuxError),
    #[error("the file has no video track")]
    NoVideo,
    #[error("its video codec ({0}) is not one the decoder is given here")]
    Codec(String),
}

/// One coded frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// A frame the decoder can start from.
    pub key: bool,
    /// When it is shown, µs from the clip's start.
    pub timestamp_us: i64,
    pub data: Vec<u8>,
}

/// The video track, ready for `VideoDecoder.configure` and `decode`.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoTrack {
    /// As WebCodecs names it (`avc1.64001f`, `vp8`, `vp09.00.10.08`, `av01.0.04M.08`).
    pub codec: String,
    /// The codec's configuration record where it needs one (H.264's `avcC`, HEVC's `hvcC`).
    pub description: Option<Vec<u8>>,
    pub width: u32,
    pub height: u32,
    /// In decoding order.
    pub chunks: Vec<Chunk>,
}

/// The clip's video track.
pub fn open(bytes: &[u8]) -> Result<VideoTrack, DemuxError> {
    if bytes.starts_with(&[0x1a, 0x45, 0xdf, 0xa3]) {
        matroska(bytes)
    } else if bytes.get(4..8) == Some(b"ftyp") {
        mp4(bytes)
    } else {
        Err(DemuxError::Container)
    }
}

fn mp4(bytes: &[u8]) -> Result<VideoTrack, DemuxError> {
    let file = re_mp4::Mp4::read_bytes(bytes)?;
    let track = file
        .tracks()
        .values()
        .find(|t| t.kind == Some(re_mp4::TrackKind::Video))
        .ok_or(DemuxError::NoVideo)?;
    let codec = track
        .codec_string(&file)
        .ok_or_else(|| DemuxError::Codec("unknown".into()))?;
    let description = needs_description(&codec)
        .then(|| track.raw_codec_config(&file))
        .flatten();
    let chunks = track
        .samples
        .iter()
        .map(|s| {
            let data = bytes
                .get(s.byte_range())
                .ok_or(DemuxError::Mp4Sample(s.id))?;
            Ok(Chunk {
                key: s.is_sync,
                // Units of 1 / timescale s.
                timestamp_us: scaled(s.composition_timestamp, 1_000_000, s.timescale),
                data: data.to_vec(),
            })
        })
        .collect::<Result<_, DemuxError>>()?;
    Ok(VideoTrack {
        codec,
        description,
        width: u32::from(track.width),
        height: u32::from(track.height),
        chunks,
    })
}

fn matroska(bytes: &[u8]) -> Result<VideoTrack, DemuxError> {
    let mut file = MatroskaFile::open(Cursor::new(bytes))?;
    let track = file
        .tracks()
        .iter()
        .find(|t| t.track_type() == TrackType::Video)
        .ok_or(DemuxError::NoVideo)?;
    let number = track.track_number().get();
    let (codec, description) = matroska_codec(track.codec_id(), track.codec_private())?;
    let (width, height) = track
        .video()
        .map(|v| (v.pixel_width().get(), v.pixel_height().get()))
        .unwrap_or((0, 0));
    // Timestamps count TimestampScale nanoseconds (1 ms unless the file says otherwise).
    let scale = file.info().timestamp_scale().get();
    let mut chunks = Vec::new();
    let mut frame = Frame::default();
    while file.next_frame(&mut frame)? {
        if frame.track != number {
            continue;
        }
        // Simple blocks say whether they are key frames; a block group does not, and the
        // first frame of a stream always is one.
        let key = frame.is_keyframe.unwrap_or(chunks.is_empty());
        chunks.push(Chunk {
            key,
            timestamp_us: scaled(
                i64::try_from(frame.timestamp).unwrap_or(i64::MAX),
                scale,
                1000,
            ),
            data: std::mem::take(&mut frame.data),
        });
    }
    Ok(VideoTrack {
        codec,
        description,
        width: u32::try_from(width).unwrap_or(0),
        height: u32::try_from(height).unwrap_or(0),
        chunks,
    })
}

/// `value × num / den`, rounded down, in range (a timestamp in µs from the container's units).
fn scaled(value: i64, num: u64, den: u64) -> i64 {
    let v = i128::from(value) * i128::from(num) / i128::from(den.max(1));
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

fn needs_description(codec: &str) -> bool {
    ["avc1", "avc3", "hvc1", "hev1"]
        .iter()
        .any(|p| codec.starts_with(p))
}

/// A Matroska codec id (and its CodecPrivate) as WebCodecs names it.
fn matroska_codec(
    id: &str,
    private: Option<&[u8]>,
) -> Result<(String, Option<Vec<u8>>), DemuxError> {
    match id {
        "V_VP8" => Ok(("vp8".into(), None)),
        "V_VP9" => Ok((vp9_codec(private), None)),
        "V_AV1" => private
            .and_then(av1_codec)
            .map(|c| (c, None))
            .ok_or_else(|| DemuxError::Codec("AV1 without its configuration".into())),
        "V_MPEG4/ISO/AVC" => {
            let avcc = private
                .filter(|p| p.len() >= 4)
                .ok_or_else(|| DemuxError::Codec("H.264 without its configuration".into()))?;
            Ok((
                format!("avc1.{:02x}{:02x}{:02x}", avcc[1], avcc[2], avcc[3]),
                Some(avcc.to_vec()),
            ))
        }
        other => Err(DemuxError::Codec(other.into())),
    }
}

/// VP9's codec string: profile, level and bit depth from CodecPrivate's features (ids 1, 2
/// and 3, each `id, length, value`) where the file has them, else profile 0, level 1, 8 bits.
fn vp9_codec(private: Option<&[u8]>) -> String {
    let (mut profile, mut level, mut depth) = (0u8, 10u8, 8u8);
    let mut rest = private.unwrap_or_default();
    while let [id, len, tail @ ..] = rest {
        let len = usize::from(*len);
        let Some((value, after)) = tail.split_at_checked(len) else {
            break;
        };
        if let [v] = value {
            match id {
                1 => profile = *v,
                2 => level = *v,
                3 => depth = *v,
                _ => {}
            }
        }
        rest = after;
    }
    format!("vp09.{profile:02}.{level:02}.{depth:02}")
}

/// AV1's codec string from its `av1C` record: profile, level, tier and bit depth.
fn av1_codec(av1c: &[u8]) -> Option<String> {
    let [_, b1, b2, ..] = av1c else { return None };
    let profile = b1 >> 5;
    let level = b1 & 0x1f;
    let tier = if b2 & 0x80 != 0 { 'H' } else { 'M' };
    let depth = match (b2 & 0x40 != 0, b2 & 0x20 != 0) {
        (true, true) => 12,
        (true, false) => 10,
        _ => 8,
    };
    Some(format!("av01.{profile}.{level:02}{tier}.{depth:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
        std::fs::read(root.join(name)).unwrap()
    }

    #[test]
    fn a_webm_clip_gives_vp9_and_every_frame_at_its_time() {
        let track = open(&fixture("walk-2s.webm")).unwrap();
        assert!(track.codec.starts_with("vp09."), "{}", track.codec);
        assert_eq!(track.description, None);
        assert!(track.width > 0 && track.height > 0);
        // 2 s at 30 fps, stamped to the millisecond.
        assert_eq!(track.chunks.len(), 60);
        assert!(track.chunks[0].key);
        for (n, chunk) in track.chunks.iter().enumerate() {
            let expected = n as f64 * 1e6 / 30.0;
            assert!(
                (chunk.timestamp_us as f64 - expected).abs() <= 1000.0,
                "frame {n} at {} µs",
                chunk.timestamp_us
            );
        }
    }

    #[test]
    fn an_mp4_clip_gives_h264_its_configuration_and_every_frame_at_its_time() {
        let track = open(&fixture("walk-2s.mp4")).unwrap();
        assert!(track.codec.starts_with("avc1."), "{}", track.codec);
        assert!(
            track.description.as_ref().is_some_and(|d| d[0] == 1),
            "an avcC record"
        );
        assert_eq!((track.width, track.height), (640, 360));
        assert_eq!(track.chunks.len(), 60);
        assert!(track.chunks[0].key);
        // B-frames: decoding order is not presentation order, yet every frame's time is there.
        let mut shown: Vec<i64> = track.chunks.iter().map(|c| c.timestamp_us).collect();
        assert_ne!(shown, {
            let mut s = shown.clone();
            s.sort();
            s
        });
        shown.sort();
        for (n, t) in shown.iter().enumerate() {
            let expected = n as f64 * 1e6 / 30.0;
            assert!(
                (*t as f64 - expected).abs() <= 1000.0,
                "frame {n} at {t} µs"
            );
        }
    }

    #[test]
    fn what_is_not_a_clip_is_refused_with_the_reason() {
        assert!(matches!(
            open(b"not a video at all"),
            Err(DemuxError::Container)
        ));
        let avi = fixture("unsupported-codec.avi");
        assert!(matches!(open(&avi), Err(DemuxError::Container)));
        let mut cut = fixture("walk-2s.webm");
        cut.truncate(64);
        assert!(matches!(
            open(&cut),
            Err(DemuxError::Matroska(_)) | Err(DemuxError::NoVideo)
        ));
    }

    #[test]
    fn codec_strings_follow_the_webcodecs_registry() {
        assert_eq!(vp9_codec(None), "vp09.00.10.08");
        assert_eq!(
            vp9_codec(Some(&[1, 1, 2, 2, 1, 31, 3, 1, 10])),
            "vp09.02.31.10"
        );
        assert_eq!(
            av1_codec(&[0x81, 0x08, 0x0c, 0x00]).unwrap(),
            "av01.0.08M.08"
        );
        let (codec, description) =
            matroska_codec("V_MPEG4/ISO/AVC", Some(&[1, 0x64, 0x00, 0x1f, 0xff])).unwrap();
        assert_eq!(codec, "avc1.64001f");
        assert!(description.is_some());
        assert!(matches!(
            matroska_codec("V_THEORA", None),
            Err(DemuxError::Codec(_))
        ));
    }
}
