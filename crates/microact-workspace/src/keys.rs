//! The keyboard map: commands, the chords that run them (VIA / ELAN conventions where they
//! exist), and the user's own bindings, saved with the settings.

use serde::{Deserialize, Serialize};

/// Everything the keyboard can do in the workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Command {
    PlayPause,
    FrameBack,
    FrameForward,
    SecondBack,
    SecondForward,
    PreviousBoundary,
    NextBoundary,
    Slower,
    Faster,
    NormalSpeed,
    MarkIn,
    MarkOut,
    Split,
    MergeNext,
    Delete,
    Undo,
    Redo,
    ZoomIn,
    ZoomOut,
    ZoomFit,
    LoopSegment,
    PreviousTrack,
    NextTrack,
    SearchLabels,
    Deselect,
    DrawBox,
    Help,
}

impl Command {
    /// Whether a held key runs the command again on each repeat (others run once a press).
    pub fn repeats(self) -> bool {
        matches!(
            self,
            Command::FrameBack | Command::FrameForward | Command::Undo | Command::Redo
        )
    }

    pub const ALL: [Command; 27] = [
        Command::PlayPause,
        Command::FrameBack,
        Command::FrameForward,
        Command::SecondBack,
        Command::SecondForward,
        Command::PreviousBoundary,
        Command::NextBoundary,
        Command::Slower,
        Command::Faster,
        Command::NormalSpeed,
        Command::MarkIn,
        Command::MarkOut,
        Command::Split,
        Command::MergeNext,
        Command::Delete,
        Command::Undo,
        Command::Redo,
        Command::ZoomIn,
        Command::ZoomOut,
        Command::ZoomFit,
        Command::LoopSegment,
        Command::PreviousTrack,
        Command::NextTrack,
        Command::SearchLabels,
        Command::Deselect,
        Command::DrawBox,
        Command::Help,
    ];

    /// What the help overlay calls it.
    pub fn describe(self) -> &'static str {
        match self {
            Command::PlayPause => "play / pause",
            Command::FrameBack => "previous frame",
            Command::FrameForward => "next frame",
            Command::SecondBack => "back one second",
            Command::SecondForward => "forward one second",
            Command::PreviousBoundary => "previous segment boundary",
            Command::NextBoundary => "next segment boundary",
            Command::Slower => "slower playback",
            Command::Faster => "faster playback",
            Command::NormalSpeed => "normal speed (1×)",
            Command::MarkIn => "mark in (segment start) at the playhead",
            Command::MarkOut => "mark out: add a segment from the mark to the playhead",
            Command::Split => "split the selected segment at the playhead",
            Command::MergeNext => "merge the selected segment with the next one",
            Command::Delete => "delete the selected segment",
            Command::Undo => "undo",
            Command::Redo => "redo",
            Command::ZoomIn => "zoom in",
            Command::ZoomOut => "zoom out",
            Command::ZoomFit => "whole video",
            Command::LoopSegment => "loop the selected segment",
            Command::PreviousTrack => "previous track",
            Command::NextTrack => "next track",
            Command::SearchLabels => "search labels",
            Command::Deselect => "deselect / close",
            Command::DrawBox => "draw the track's person box on this frame",
            Command::Help => "this help",
        }
    }
}

/// A key with its modifiers, as the browser reports a `keydown`: `Ctrl+Shift+Z`, `Space`, `?`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Chord {
    pub ctrl: bool,
    pub shift: bool,
    pub alt: bool,
    /// `KeyboardEvent.key`, letters in lower case, `" "` as `Space`.
    pub key: String,
}

impl Chord {
    /// From a key event's fields. ⌘ counts as Ctrl. Shift is kept for letters and named keys
    /// (`Shift+ArrowLeft`) but dropped for symbols, whose key already says it (`?`, `+`).
    pub fn from_event(key: &str, ctrl: bool, meta: bool, shift: bool, alt: bool) -> Self {
        let key = match key {
            " " | "Spacebar" => "Space".to_string(),
            k if k.chars().count() == 1 => k.to_lowercase(),
            k => k.to_string(),
        };
        let symbol = key.chars().count() == 1 && !key.chars().all(char::is_alphanumeric);
        Self {
            ctrl: ctrl || meta,
            shift: shift && !symbol,
            alt,
            key,
        }
    }

    /// `Ctrl+Shift+z`-style text, as shown and as written in a binding.
    pub fn parse(text: &str) -> Option<Self> {
        let mut chord = Chord {
            ctrl: false,
            shift: false,
            alt: false,
            key: String::new(),
        };
        // "+" alone and "Ctrl++" name the plus key.
        let (mods, key) = match text.strip_suffix("++") {
            Some(mods) => (mods, "+"),
            None if text == "+" => ("", "+"),
            None => match text.rsplit_once('+') {
                Some((mods, key)) => (mods, key),
                None => ("", text),
            },
        };
        for m in mods.split('+').filter(|m| !m.is_empty()) {
            match m.to_ascii_lowercase().as_str() {
                "ctrl" | "cmd" | "meta" => chord.ctrl = true,
                "shift" => chord.shift = true,
                "alt" | "option" => chord.alt = true,
                _ => return None,
            }
        }
        if key.is_empty() {
            return None;
        }
        let parsed = Chord::from_event(key, chord.ctrl, false, chord.shift, chord.alt);
        Some(parsed)
    }

    /// Whether this is a bare printable key (what a label shortcut is).
    pub fn as_char(&self) -> Option<char> {
        let mut chars = self.key.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if !self.ctrl && !self.alt => Some(c),
            _ => None,
        }
    }
}

impl std::fmt::Display for Chord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.ctrl {
            f.write_str("Ctrl+")?;
        }
        if self.alt {
            f.write_str("Alt+")?;
        }
        if self.shift {
            f.write_str("Shift+")?;
        }
        let key = match self.key.as_str() {
            "ArrowLeft" => "←",
            "ArrowRight" => "→",
            "ArrowUp" => "↑",
            "ArrowDown" => "↓",
            k => k,
        };
        match key.chars().next() {
            Some(c) if key.chars().count() == 1 => write!(f, "{}", c.to_uppercase()),
            _ => f.write_str(key),
        }
    }
}

/// Chords → commands. Several chords may run one command; a chord runs one command.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Keymap {
    bindings: Vec<(Chord, Command)>,
}

const DEFAULTS: [(&str, Command); 33] = [
    ("Space", Command::PlayPause),
    ("k", Command::PlayPause),
    ("ArrowLeft", Command::FrameBack),
    (",", Command::FrameBack),
    ("ArrowRight", Command::FrameForward),
    (".", Command::FrameForward),
    ("Shift+ArrowLeft", Command::SecondBack),
    ("Shift+ArrowRight", Command::SecondForward),
    ("Ctrl+ArrowLeft", Command::PreviousBoundary),
    ("Ctrl+ArrowRight", Command::NextBoundary),
    ("[", Command::Slower),
    ("]", Command::Faster),
    ("\\", Command::NormalSpeed),
    ("i", Command::MarkIn),
    ("o", Command::MarkOut),
    ("s", Command::Split),
    ("m", Command::MergeNext),
    ("Delete", Command::Delete),
    ("Backspace", Command::Delete),
    ("Ctrl+z", Command::Undo),
    ("Ctrl+Shift+z", Command::Redo),
    ("Ctrl+y", Command::Redo),
    ("+", Command::ZoomIn),
    ("=", Command::ZoomIn),
    ("-", Command::ZoomOut),
    ("Shift+z", Command::ZoomFit),
    ("l", Command::LoopSegment),
    ("ArrowUp", Command::PreviousTrack),
    ("ArrowDown", Command::NextTrack),
    ("/", Command::SearchLabels),
    ("Escape", Command::Deselect),
    ("b", Command::DrawBox),
    ("?", Command::Help),
];

impl Default for Keymap {
    fn default() -> Self {
        Self {
            bindings: DEFAULTS
                .iter()
                .filter_map(|(text, command)| Some((Chord::parse(text)?, *command)))
                .collect(),
        }
    }
}

impl Keymap {
    pub fn command(&self, chord: &Chord) -> Option<Command> {
        self.bindings
            .iter()
            .find(|(c, _)| c == chord)
            .map(|(_, command)| *command)
    }

    pub fn chords(&self, command: Command) -> impl Iterator<Item = &Chord> {
        self.bindings
            .iter()
            .filter(move |(_, c)| *c == command)
            .map(|(chord, _)| chord)
    }

    /// Makes `chord` run `command` instead of what it ran, and replaces the command's other
    /// chords. Returns the command that lost its chord, if any.
    pub fn rebind(&mut self, command: Command, chord: Chord) -> Option<Command> {
        let displaced = self.command(&chord).filter(|&c| c != command);
        self.bindings
            .retain(|(c, bound)| *bound != command && *c != chord);
        self.bindings.push((chord, command));
        displaced
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chord(text: &str) -> Chord {
        Chord::parse(text).unwrap()
    }

    #[test]
    fn events_become_the_chords_the_map_names() {
        let map = Keymap::default();
        let ev = |key, ctrl, shift| Chord::from_event(key, ctrl, false, shift, false);
        assert_eq!(
            map.command(&ev(" ", false, false)),
            Some(Command::PlayPause)
        );
        assert_eq!(map.command(&ev("Z", true, true)), Some(Command::Redo));
        assert_eq!(map.command(&ev("z", true, false)), Some(Command::Undo));
        assert_eq!(
            Chord::from_event("z", false, true, false, false),
            chord("Ctrl+z"),
            "⌘ is Ctrl"
        );
        // Shift is part of "?" and "+" already.
        assert_eq!(map.command(&ev("?", false, true)), Some(Command::Help));
        assert_eq!(map.command(&ev("+", false, true)), Some(Command::ZoomIn));
        assert_eq!(
            map.command(&ev("ArrowRight", false, true)),
            Some(Command::SecondForward)
        );
        assert_eq!(
            map.command(&ev("ArrowRight", false, false)),
            Some(Command::FrameForward)
        );
        assert_eq!(
            map.command(&ev("1", false, false)),
            None,
            "label keys are free"
        );
    }

    #[test]
    fn every_command_has_a_default_chord_and_no_chord_is_bound_twice() {
        let map = Keymap::default();
        assert_eq!(map.bindings.len(), DEFAULTS.len(), "every default parses");
        for command in Command::ALL {
            assert!(map.chords(command).next().is_some(), "{command:?}");
        }
        let mut seen = std::collections::HashSet::new();
        assert!(map.bindings.iter().all(|(c, _)| seen.insert(c.clone())));
    }

    #[test]
    fn chords_print_and_parse_back() {
        for (text, _) in DEFAULTS {
            let c = chord(text);
            assert_eq!(
                Chord::parse(
                    &c.to_string()
                        .replace('←', "ArrowLeft")
                        .replace('→', "ArrowRight")
                        .replace('↑', "ArrowUp")
                        .replace('↓', "ArrowDown")
                ),
                Some(c.clone()),
                "{text}"
            );
        }
        assert_eq!(chord("Ctrl+Shift+z").to_string(), "Ctrl+Shift+Z");
        assert_eq!(chord("Ctrl++").key, "+");
        assert_eq!(Chord::parse("Hyper+x"), None);
    }

    #[test]
    fn rebinding_moves_a_chord_and_says_who_lost_it() {
        let mut map = Keymap::default();
        assert_eq!(
            map.rebind(Command::Split, chord("k")),
            Some(Command::PlayPause)
        );
        assert_eq!(map.command(&chord("k")), Some(Command::Split));
        assert_eq!(map.command(&chord("s")), None, "the old chord is free");
        assert_eq!(map.command(&chord("Space")), Some(Command::PlayPause));
        let saved = serde_json::to_string(&map).unwrap();
        assert_eq!(serde_json::from_str::<Keymap>(&saved).unwrap(), map);
    }

    #[test]
    fn bare_keys_are_label_shortcut_candidates() {
        assert_eq!(chord("q").as_char(), Some('q'));
        assert_eq!(chord("Ctrl+q").as_char(), None);
        assert_eq!(chord("ArrowLeft").as_char(), None);
    }
}
