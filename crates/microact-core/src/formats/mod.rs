//! Import and export in the formats the field uses. Each module's docs carry a one-paragraph
//! spec of its format and what microact maps onto it.
//!
//! Every importer, `import(base, text)`, reads a file into a fresh [`Project`] with [`ImportBuilder`], resolving
//! videos and labels against the project the user has open, and returns a [`FormatError`] that
//! names the line or field at fault; importers never panic. [`merge`] then folds the result into
//! the open project as one undoable [`crate::edit::Edit`].

pub mod activitynet;
pub mod ava;
pub mod cvat;
pub mod elan;
pub mod mmaction;
pub mod native;
pub mod table;
pub mod truth;
pub mod via3;

mod builder;
mod common;
mod merge;
mod xml;

pub use builder::{DEFAULT_RATE, IMPORTED_SET, ImportBuilder};
pub use merge::{Mode, merge};

use std::fmt;

/// What is wrong with an imported file, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct FormatError {
    /// The format's name as the import menu shows it ("ELAN EAF").
    pub format: &'static str,
    pub place: Place,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// 1-based line, and column when known.
    Line { line: usize, column: Option<usize> },
    /// A path to the field: `database.v_1.annotations[2].segment`.
    Field(String),
    /// The file as a whole (wrong kind of file, empty).
    File,
}

impl FormatError {
    pub fn line(format: &'static str, line: usize, message: impl Into<String>) -> Self {
        Self {
            format,
            place: Place::Line { line, column: None },
            message: message.into(),
        }
    }

    pub fn field(
        format: &'static str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            format,
            place: Place::Field(field.into()),
            message: message.into(),
        }
    }

    pub fn file(format: &'static str, message: impl Into<String>) -> Self {
        Self {
            format,
            place: Place::File,
            message: message.into(),
        }
    }

    /// A JSON syntax or type error at serde_json's line and column.
    pub fn json(format: &'static str, error: &serde_json::Error) -> Self {
        let message = error.to_string();
        // serde_json appends " at line L column C"; the place says it once.
        let message = match message.rfind(" at line ") {
            Some(at) => message[..at].to_string(),
            None => message,
        };
        Self {
            format,
            place: Place::Line {
                line: error.line(),
                column: Some(error.column()),
            },
            message,
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.place {
            Place::Line {
                line,
                column: Some(column),
            } => {
                write!(
                    f,
                    "{}: line {line}, column {column}: {}",
                    self.format, self.message
                )
            }
            Place::Line { line, column: None } => {
                write!(f, "{}: line {line}: {}", self.format, self.message)
            }
            Place::Field(field) => write!(f, "{}: field {field}: {}", self.format, self.message),
            Place::File => write!(f, "{}: {}", self.format, self.message),
        }
    }
}

impl std::error::Error for FormatError {}

/// Seconds with millisecond precision for text formats: `1.5`, `12.033`, never `1.5000000001`.
pub fn seconds_text(seconds: f64) -> String {
    let ms = common::seconds_number(seconds);
    let text = format!("{ms:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() || text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_print_short() {
        assert_eq!(seconds_text(1.5), "1.5");
        assert_eq!(seconds_text(0.0), "0");
        assert_eq!(seconds_text(12.0333333), "12.033");
        assert_eq!(seconds_text(2.0), "2");
    }

    #[test]
    fn json_errors_carry_line_and_column_once() {
        let error = serde_json::from_str::<serde_json::Value>("{\n  \"a\": ,\n}").unwrap_err();
        let shown = FormatError::json("ActivityNet", &error).to_string();
        assert_eq!(shown, "ActivityNet: line 2, column 8: expected value");
    }
}
