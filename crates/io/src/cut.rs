//! A record over `--max-doc-bytes`, cut down as it streams by (`--oversized truncate`): its id and
//! the first `max_doc_bytes` bytes of its text, never the whole record in memory.
//!
//! serde_json needs the whole line, so a JSONL record is scanned here byte by byte: the top-level
//! object's keys are read, the id value and the start of the text string are kept, and every other
//! value is skipped by tracking strings, escapes and nesting depth only. What is kept is written
//! back as a small JSON object, which [`crate::source::parse`] then reads like any other line, so
//! field types and escapes get the same checks and messages. The skipped values are checked for
//! balance, not token by token.
//!
//! The same code cuts the record again when a later stage re-reads it by its offset, so both
//! passes see the same text.

use storydup_core::error::Problem;

/// Largest id (and non-string text value) kept from a cut record, in bytes of JSON.
const MAX_VALUE: usize = 64 << 10;
/// Keys longer than this are kept only in part: they cannot be the id or text field's name.
const MAX_KEY: usize = 4 << 10;

/// The first bytes of a `.txt` record, cut at a character boundary.
pub fn txt_prefix(bytes: &[u8], max: usize) -> &[u8] {
    if bytes.len() <= max {
        return bytes;
    }
    let mut end = max;
    // Back off over at most three continuation bytes to the start of the cut character.
    while end > 0 && max - end < 3 && bytes[end] & 0xC0 == 0x80 {
        end -= 1;
    }
    if bytes[end] & 0xC0 == 0x80 {
        end = max; // not UTF-8 there anyway: parse will say so
    }
    &bytes[..end]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the top-level value.
    Start,
    /// After `{` or `,` in the top-level object: a key (or `}` right after `{`).
    Key { first: bool },
    /// Inside a key string (`esc`: just after a backslash).
    KeyStr { esc: bool },
    /// After a key: the colon.
    Colon,
    /// After the colon: the value's first byte.
    Value,
    /// Inside a string value (`esc`: just after a backslash).
    Str { esc: bool },
    /// Inside an array or object value, `depth` levels deep, maybe inside a string.
    Nested { depth: u32, in_str: bool, esc: bool },
    /// Inside a number, `true`, `false` or `null`.
    Bare,
    /// After a value: `,` or `}`.
    After,
    /// After the top-level object: only whitespace.
    End,
}

/// Which field the value being read belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Id,
    Text,
    Other,
}

/// Scans one over-long JSONL record and keeps its id and the start of its text.
#[derive(Debug)]
pub struct Cutter<'f> {
    id_field: &'f str,
    text_field: &'f str,
    /// Bytes of the text string kept (in JSON, escapes as written).
    max: usize,
    state: State,
    pos: u64,
    key: Vec<u8>,
    target: Target,
    /// The value being kept, as written (for the text string: its contents without quotes).
    value: Vec<u8>,
    /// The value was longer than what is kept.
    over: bool,
    /// The text value is a string (its bytes are the contents only).
    text_is_str: bool,
    /// The last id value seen (as in parse, the last occurrence of a field counts).
    id: Option<Result<Vec<u8>, Problem>>,
    /// The last text value seen, and whether it is a string.
    text: Option<Result<(Vec<u8>, bool), Problem>>,
    /// A problem with the record as a whole.
    problem: Option<Problem>,
}

impl<'f> Cutter<'f> {
    /// A cutter keeping at most `max` bytes of the text field's string.
    pub fn new(id_field: &'f str, text_field: &'f str, max: usize) -> Cutter<'f> {
        Cutter {
            id_field,
            text_field,
            max,
            state: State::Start,
            pos: 0,
            key: Vec::new(),
            target: Target::Other,
            value: Vec::new(),
            over: false,
            text_is_str: false,
            id: None,
            text: None,
            problem: None,
        }
    }

    fn fail(&mut self, what: &str) {
        if self.problem.is_none() {
            self.problem = Some(Problem::new(
                "malformed_json",
                format!(
                    "malformed JSON at byte {} of an oversized record ({what}); each line must be one JSON object",
                    self.pos
                ),
            ));
        }
    }

    fn keep(&mut self, b: u8) {
        let cap = if self.target == Target::Text && self.text_is_str {
            self.max
        } else {
            MAX_VALUE
        };
        if self.target != Target::Other {
            if self.value.len() < cap {
                self.value.push(b);
            } else {
                self.over = true;
            }
        }
    }

    /// Feeds the record's next bytes.
    pub fn feed(&mut self, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() && self.problem.is_none() {
            // Runs of plain string bytes go in one step: most of a long record is one string.
            if let State::Str { esc: false } = self.state {
                let run = memchr::memchr2(b'"', b'\\', &bytes[i..]).unwrap_or(bytes.len() - i);
                if run > 0 {
                    if self.target != Target::Other {
                        let cap = if self.target == Target::Text {
                            self.max
                        } else {
                            MAX_VALUE
                        };
                        let room = cap.saturating_sub(self.value.len()).min(run);
                        self.value.extend_from_slice(&bytes[i..i + room]);
                        self.over |= room < run;
                    }
                    i += run;
                    self.pos += run as u64;
                    continue;
                }
            }
            self.step(bytes[i]);
            i += 1;
            self.pos += 1;
        }
    }

    fn step(&mut self, b: u8) {
        let ws = matches!(b, b' ' | b'\t' | b'\n' | b'\r');
        match self.state {
            State::Start => match b {
                _ if ws => {}
                b'{' => self.state = State::Key { first: true },
                _ => {
                    self.problem = Some(Problem::new(
                        "not_an_object",
                        "the line is not a JSON object; each line must be one JSON object",
                    ))
                }
            },
            State::Key { first } => match b {
                _ if ws => {}
                b'"' => {
                    self.key.clear();
                    self.state = State::KeyStr { esc: false };
                }
                b'}' if first => self.state = State::End,
                _ => self.fail("expected a key"),
            },
            State::KeyStr { esc } => {
                if !esc && b == b'"' {
                    self.state = State::Colon;
                    return;
                }
                if self.key.len() < MAX_KEY {
                    self.key.push(b);
                }
                self.state = State::KeyStr {
                    esc: !esc && b == b'\\',
                };
            }
            State::Colon => match b {
                _ if ws => {}
                b':' => {
                    self.target = self.field();
                    self.state = State::Value;
                }
                _ => self.fail("expected ':'"),
            },
            State::Value => {
                if ws {
                    return;
                }
                self.value.clear();
                self.over = false;
                self.text_is_str = self.target == Target::Text && b == b'"';
                if !self.text_is_str {
                    self.keep(b);
                }
                self.state = match b {
                    b'"' => State::Str { esc: false },
                    b'{' | b'[' => State::Nested {
                        depth: 1,
                        in_str: false,
                        esc: false,
                    },
                    b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => State::Bare,
                    _ => {
                        self.fail("expected a value");
                        return;
                    }
                };
            }
            State::Str { esc } => {
                if !esc && b == b'"' {
                    if !self.text_is_str {
                        self.keep(b);
                    }
                    self.end_value();
                    return;
                }
                self.keep(b);
                self.state = State::Str {
                    esc: !esc && b == b'\\',
                };
            }
            State::Nested { depth, in_str, esc } => {
                self.keep(b);
                self.state = if in_str {
                    State::Nested {
                        depth,
                        in_str: esc || b != b'"',
                        esc: !esc && b == b'\\',
                    }
                } else {
                    match b {
                        b'"' => State::Nested {
                            depth,
                            in_str: true,
                            esc: false,
                        },
                        b'{' | b'[' => State::Nested {
                            depth: depth + 1,
                            in_str: false,
                            esc: false,
                        },
                        b'}' | b']' if depth == 1 => {
                            self.end_value();
                            return;
                        }
                        b'}' | b']' => State::Nested {
                            depth: depth - 1,
                            in_str: false,
                            esc: false,
                        },
                        _ => State::Nested {
                            depth,
                            in_str: false,
                            esc: false,
                        },
                    }
                };
            }
            State::Bare => match b {
                b',' | b'}' => {
                    self.end_value();
                    self.step(b);
                }
                _ if ws => self.end_value(),
                _ => self.keep(b),
            },
            State::After => match b {
                _ if ws => {}
                b',' => self.state = State::Key { first: false },
                b'}' => self.state = State::End,
                _ => self.fail("expected ',' or '}'"),
            },
            State::End => {
                if !ws {
                    self.fail("trailing characters after the object");
                }
            }
        }
    }

    /// The field named by the key just read.
    fn field(&self) -> Target {
        if self.key.len() >= MAX_KEY {
            return Target::Other;
        }
        let mut quoted = Vec::with_capacity(self.key.len() + 2);
        quoted.push(b'"');
        quoted.extend_from_slice(&self.key);
        quoted.push(b'"');
        match serde_json::from_slice::<String>(&quoted) {
            // As in parse: the text field is looked for first, and the last occurrence wins.
            Ok(k) if k == self.text_field => Target::Text,
            Ok(k) if k == self.id_field => Target::Id,
            _ => Target::Other,
        }
    }

    fn end_value(&mut self) {
        self.state = State::After;
        let value = std::mem::take(&mut self.value);
        match self.target {
            Target::Other => {}
            Target::Id if self.over => {
                self.id = Some(Err(Problem::new(
                    "bad_id",
                    format!(
                        "\"{}\" is longer than {MAX_VALUE} bytes; use a shorter id",
                        self.id_field
                    ),
                )));
            }
            Target::Id => self.id = Some(Ok(value)),
            Target::Text if self.text_is_str => self.text = Some(Ok((value, true))),
            Target::Text if self.over => {
                let kind = match value.first() {
                    Some(b'{') => "an object",
                    Some(b'[') => "an array",
                    _ => "a long non-string value",
                };
                self.text = Some(Err(Problem::new(
                    "bad_text",
                    format!(
                        "\"{}\" is {kind}, not a string; store the text as a JSON string",
                        self.text_field
                    ),
                )));
            }
            Target::Text => self.text = Some(Ok((value, false))),
        }
        self.target = Target::Other;
    }

    /// Ends the record: a small JSON object holding its id and the start of its text, or what was
    /// wrong with it.
    ///
    /// # Errors
    /// The record is not one well-formed JSON object, or its id is too long.
    pub fn finish(mut self) -> Result<Vec<u8>, Problem> {
        if self.state == State::Bare {
            self.end_value();
        }
        if let Some(p) = self.problem {
            return Err(p);
        }
        if self.state != State::End {
            return Err(Problem::new(
                "malformed_json",
                "malformed JSON: an oversized record ends inside its object (cut short?); each line must be one JSON object",
            ));
        }
        // In parse's order: a bad text is named before a bad id.
        let text = self.text.transpose()?;
        let id = self.id.transpose()?;
        let mut out = b"{".to_vec();
        if let Some(id) = &id {
            out.extend_from_slice(serde_json::to_string(self.id_field).expect("a string").as_bytes());
            out.push(b':');
            out.extend_from_slice(id);
        }
        if let Some((text, is_str)) = &text {
            if id.is_some() {
                out.push(b',');
            }
            out.extend_from_slice(serde_json::to_string(self.text_field).expect("a string").as_bytes());
            out.push(b':');
            if *is_str {
                out.push(b'"');
                out.extend_from_slice(&text[..json_cut(text)]);
                out.push(b'"');
            } else {
                out.extend_from_slice(text);
            }
        }
        out.push(b'}');
        Ok(out)
    }
}

/// Where to cut the contents of a JSON string (escapes as written) so that no escape, surrogate
/// pair or UTF-8 character is split: the end of the last whole one.
fn json_cut(s: &[u8]) -> usize {
    let n = s.len();
    let mut i = 0;
    while i < n {
        let len = match s[i] {
            b'\\' => match s.get(i + 1) {
                Some(b'u') => {
                    let hex = s.get(i + 2..i + 6).and_then(|h| std::str::from_utf8(h).ok());
                    match hex.and_then(|h| u16::from_str_radix(h, 16).ok()) {
                        // A high surrogate goes only with the low one after it.
                        Some(0xD800..=0xDBFF) => 12,
                        _ => 6,
                    }
                }
                _ => 2,
            },
            b if b < 0x80 => 1,
            b if b >= 0xF0 => 4,
            b if b >= 0xE0 => 3,
            b if b >= 0xC0 => 2,
            _ => 1,
        };
        if i + len > n {
            return i;
        }
        i += len;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(line: &str, max: usize) -> Result<String, Problem> {
        let mut c = Cutter::new("id", "text", max);
        // Fed in small pieces, as the reader hands them over.
        for piece in line.as_bytes().chunks(3) {
            c.feed(piece);
        }
        c.finish().map(|b| String::from_utf8(b).expect("UTF-8 in, UTF-8 out"))
    }

    #[test]
    fn keeps_id_and_start_of_text_and_drops_other_fields() {
        let line = r#"{"meta": {"a": [1, "}\"]", {"b": null}]}, "id": "x-1", "text": "hello world", "n": -1.5e3}"#;
        assert_eq!(cut(line, 5).unwrap(), r#"{"id":"x-1","text":"hello"}"#);
        assert_eq!(cut(line, 100).unwrap(), r#"{"id":"x-1","text":"hello world"}"#);
        assert_eq!(cut(r#"{"text":"ab","id":7}"#, 9).unwrap(), r#"{"id":7,"text":"ab"}"#);
    }

    #[test]
    fn never_splits_an_escape_a_surrogate_pair_or_a_character() {
        // "a\n" then a surrogate pair (😀), then "é".
        let line = r#"{"id":"1","text":"a\n\ud83d\ude00é"}"#;
        for (max, kept) in [
            (2, "a"),
            (3, r"a\n"),
            (8, r"a\n"),
            (14, r"a\n"),
            (15, r"a\n\ud83d\ude00"),
            (16, r"a\n\ud83d\ude00"),
            (17, r"a\n\ud83d\ude00é"),
        ] {
            let got = cut(line, max).unwrap();
            assert_eq!(got, format!(r#"{{"id":"1","text":"{kept}"}}"#), "max {max}");
            serde_json::from_str::<serde_json::Value>(&got).expect("valid JSON");
        }
    }

    #[test]
    fn problems_are_named() {
        assert_eq!(cut("[1,2]", 4).unwrap_err().kind, "not_an_object");
        assert_eq!(cut(r#"{"id":"1","text":"ab"#, 4).unwrap_err().kind, "malformed_json");
        assert_eq!(
            cut(r#"{"id":"1","text":"ab"} x"#, 4).unwrap_err().kind,
            "malformed_json"
        );
        assert_eq!(cut(r#"{"id" "1"}"#, 4).unwrap_err().kind, "malformed_json");
        let long_id = format!(r#"{{"id":"{}","text":"ab"}}"#, "i".repeat(MAX_VALUE + 1));
        assert_eq!(cut(&long_id, 4).unwrap_err().kind, "bad_id");
        let long_list = format!(r#"{{"id":"1","text":[{}1]}}"#, "1,".repeat(MAX_VALUE));
        assert_eq!(cut(&long_list, 4).unwrap_err().kind, "bad_text");
    }

    #[test]
    fn wrong_types_are_left_for_parse_to_name() {
        assert_eq!(cut(r#"{"id":"1","text":12}"#, 1).unwrap(), r#"{"id":"1","text":12}"#);
        assert_eq!(cut(r#"{"id":[1],"text":"a"}"#, 1).unwrap(), r#"{"id":[1],"text":"a"}"#);
        assert_eq!(cut(r#"{"text":"a"}"#, 1).unwrap(), r#"{"text":"a"}"#);
        assert_eq!(cut(r#"{}"#, 1).unwrap(), "{}");
    }

    #[test]
    fn txt_prefix_cuts_at_a_character_boundary() {
        let s = "aé€😀".as_bytes(); // 1 + 2 + 3 + 4 bytes
        assert_eq!(txt_prefix(s, 2), b"a");
        assert_eq!(txt_prefix(s, 3), "aé".as_bytes());
        assert_eq!(txt_prefix(s, 9), "aé€".as_bytes());
        assert_eq!(txt_prefix(s, 10), s);
    }
}
