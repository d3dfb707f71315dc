//! A small element tree over quick-xml shared by the XML formats: importers read a whole file
//! into [`Element`]s (each remembering its line, so errors can name it) and exporters build one
//! and print it. The files these formats use are small and shallow, so a tree keeps the format
//! modules declarative without a serde schema per format version.

use std::borrow::Cow;

use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::FormatError;

/// Deeper nesting than any of our formats uses is a broken or hostile file; refusing it keeps
/// dropping and printing the tree (both recursive) off the end of the stack.
const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// The element's own character data, entities resolved, untrimmed.
    pub text: String,
    /// 1-based line of the start tag (0 for built elements).
    pub line: usize,
}

impl Element {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            ..Self::default()
        }
    }

    pub fn attr(mut self, name: &str, value: impl Into<String>) -> Self {
        self.attributes.push((name.to_string(), value.into()));
        self
    }

    pub fn child(mut self, child: Element) -> Self {
        self.children.push(child);
        self
    }

    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = text.into();
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The attribute `name`, or an error naming the element, its line and the attribute.
    pub fn require(&self, format: &'static str, name: &str) -> Result<&str, FormatError> {
        self.get(name)
            .ok_or_else(|| self.error(format, format!("<{}> has no {name}", self.name)))
    }

    /// An error at this element's line.
    pub fn error(&self, format: &'static str, message: impl Into<String>) -> FormatError {
        FormatError::line(format, self.line, message)
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub fn first(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of the first child `name`, trimmed.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.first(name).map(|c| c.text.trim())
    }
}

/// Counts lines up to byte offsets that only grow, so a whole file costs one pass.
struct Lines<'a> {
    text: &'a str,
    at: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, offset: u64) -> usize {
        let offset = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        if offset > self.at {
            let chunk = self.text.as_bytes().get(self.at..offset).unwrap_or(&[]);
            self.line += chunk.iter().filter(|&&b| b == b'\n').count();
            self.at = offset;
        }
        self.line
    }
}

/// Reads `text` into its root element. Comments, processing instructions and the declaration are
/// skipped; an error names the line where the XML stops making sense.
pub fn parse(format: &'static str, text: &str) -> Result<Element, FormatError> {
    let mut reader = Reader::from_str(text);
    let mut lines = Lines {
        text,
        at: 0,
        line: 1,
    };
    // The open elements, outermost first; the root is finished when its end tag pops it.
    let mut open: Vec<Element> = Vec::new();
    loop {
        let before = reader.buffer_position();
        let event = reader.read_event().map_err(|e| {
            FormatError::line(format, lines.at(reader.error_position()), e.to_string())
        })?;
        let line = lines.at(before);
        let syntax = |message: String| FormatError::line(format, line, message);
        match event {
            Event::Start(start) => {
                if open.len() >= MAX_DEPTH {
                    return Err(syntax(format!("elements nested deeper than {MAX_DEPTH}")));
                }
                open.push(element(format, &start, line)?);
            }
            Event::Empty(start) => {
                let done = element(format, &start, line)?;
                match open.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Ok(done),
                }
            }
            Event::End(_) => {
                // quick-xml has already checked the end tag matches the open one.
                let Some(done) = open.pop() else {
                    return Err(syntax("an end tag with nothing open".into()));
                };
                match open.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Ok(done),
                }
            }
            Event::Text(text) => push_text(&mut open, &text.xml10_content()),
            Event::CData(data) => push_text(&mut open, &data.xml10_content()),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => Cow::Owned(c.to_string()),
                    Ok(None) => resolve_predefined_entity(&reference)
                        .map(Cow::Borrowed)
                        .ok_or_else(|| syntax(format!("unknown entity &{};", &*reference)))?,
                    Err(e) => return Err(syntax(e.to_string())),
                };
                push_text(&mut open, &resolved);
            }
            Event::Eof => {
                return Err(match open.last() {
                    Some(unclosed) => syntax(format!(
                        "the file ends inside <{}> (opened on line {})",
                        unclosed.name, unclosed.line
                    )),
                    None => FormatError::file(format, "no XML element in the file"),
                });
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
}

fn push_text(open: &mut [Element], text: &str) {
    // Text outside the root is whitespace or an error quick-xml reports itself.
    if let Some(parent) = open.last_mut() {
        parent.text.push_str(text);
    }
}

fn element(format: &'static str, start: &BytesStart, line: usize) -> Result<Element, FormatError> {
    let name = start.name().as_ref().to_string();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute =
            attribute.map_err(|e| FormatError::line(format, line, format!("<{name}>: {e}")))?;
        let key = attribute.key.as_ref().to_string();
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| FormatError::line(format, line, format!("<{name} {key}>: {e}")))?;
        attributes.push((key, value.into_owned()));
    }
    Ok(Element {
        name,
        attributes,
        line,
        ..Element::default()
    })
}

/// `root` as an indented UTF-8 document with an XML declaration.
pub fn print(root: &Element) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    print_into(&mut out, root, 0);
    out
}

fn print_into(out: &mut String, element: &Element, depth: usize) {
    let indent = "    ".repeat(depth);
    out.push_str(&indent);
    out.push('<');
    out.push_str(&element.name);
    for (key, value) in &element.attributes {
        out.push(' ');
        out.push_str(key);
        out.push_str("=\"");
        out.push_str(&escape_attribute(value));
        out.push('"');
    }
    if element.children.is_empty() && element.text.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push('>');
    out.push_str(&escape(element.text.as_str()));
    if !element.children.is_empty() {
        out.push('\n');
        for child in &element.children {
            print_into(out, child, depth + 1);
        }
        out.push_str(&indent);
    }
    out.push_str("</");
    out.push_str(&element.name);
    out.push_str(">\n");
}

/// Attribute values are whitespace-normalised on reading, so line breaks and tabs (in notes,
/// descriptions) are written as character references to survive.
fn escape_attribute(value: &str) -> String {
    escape(value)
        .replace('\n', "&#10;")
        .replace('\r', "&#13;")
        .replace('\t', "&#9;")
}

/// Checks `text` against the committed fixture `name` in `tests/fixtures/formats`, which other
/// tools' readers are run on; `MICROACT_BLESS=1` rewrites it after an intended change.
#[cfg(test)]
pub fn assert_fixture(name: &str, text: &str) {
    let path = format!(
        "{}/tests/fixtures/formats/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    if std::env::var_os("MICROACT_BLESS").is_some() {
        std::fs::write(&path, text).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "{path} differs"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_round_trips_text_attributes_and_entities() {
        let root = Element::new("A")
            .attr("note", "two\nlines & \"quotes\"\t<tab>")
            .child(Element::new("B").text("x < y & z"))
            .child(Element::new("C"));
        let back = parse("test", &print(&root)).unwrap();
        assert_eq!(back.get("note"), root.get("note"));
        assert_eq!(back.child_text("B"), Some("x < y & z"));
        assert_eq!(back.first("C").map(|c| c.line), Some(4));
        let refs = parse("test", "<A>&#x41;&#66;&amp;<![CDATA[<c>]]></A>").unwrap();
        assert_eq!(refs.text, "AB&<c>");
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse("test", "<A>\n  <B>\n  </C>\n</A>").unwrap_err();
        assert_eq!(
            err.place,
            super::super::Place::Line {
                line: 3,
                column: None
            }
        );
        let err = parse("test", "<A>\n<B>\n").unwrap_err();
        assert!(
            err.to_string().contains("inside <B> (opened on line 2)"),
            "{err}"
        );
        let err = parse("test", "<A>&nope;</A>").unwrap_err();
        assert!(err.to_string().contains("unknown entity &nope;"), "{err}");
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert!(
            parse("test", &deep)
                .unwrap_err()
                .to_string()
                .contains("nested deeper")
        );
        assert!(parse("test", "").is_err());
    }
}
