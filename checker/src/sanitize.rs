//! Text from the cluster (or from a file), made safe for a terminal: the one sanitizer every
//! text renderer uses.
//!
//! A pod's status message, a log line, an event or a name can hold escape sequences that a
//! terminal would obey (colours, a cleared screen, a changed title), a carriage return that
//! overwrites the line, or a newline that forges another line of our output. [`line`] shows every
//! control character as a visible escape (`\n`, `\r`, `\t`, `\x1b`, `\u{9b}`), as do the Unicode
//! controls that reorder text on screen (bidirectional overrides and isolates); [`lines`] keeps
//! the newlines of a text meant to span lines and escapes the rest. JSON output is never
//! sanitized: serde_json escapes control characters itself and keeps the text exact.

use std::borrow::Cow;
use std::fmt::Write;

/// A single-line field: every control character escaped, newlines included.
pub fn line(text: &str) -> Cow<'_, str> {
    escape(text, false)
}

/// A text that may span lines: newlines kept, every other control character escaped.
pub fn lines(text: &str) -> Cow<'_, str> {
    escape(text, true)
}

fn unsafe_char(c: char, keep_newlines: bool) -> bool {
    match c {
        '\n' => !keep_newlines,
        // C0, DEL and C1 controls (ESC, CSI 0x9b, ...).
        c if c.is_control() => true,
        // Bidirectional embeddings, overrides and isolates, and the marks: they reorder what the
        // terminal shows.
        '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

fn escape(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| unsafe_char(c, keep_newlines)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if !unsafe_char(c, keep_newlines) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(line("Back-off pulling image \"busybox\""), "Back-off pulling image \"busybox\"");
        assert_eq!(line("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(line("\u{1b}[2J\u{1b}]0;owned\u{7}"), "\\x1b[2J\\x1b]0;owned\\x07");
        assert_eq!(line("\u{9b}31m\u{7f}"), "\\u{9b}31m\\x7f");
        assert_eq!(line("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(lines("one\ntwo\u{1b}[1m"), "one\ntwo\\x1b[1m");
        assert_eq!(line("中文 ✔"), "中文 ✔");
    }

    #[test]
    fn nothing_unsafe_survives() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let out = line(&all);
        assert!(!out.chars().any(|c| unsafe_char(c, false)));
        assert!(!lines(&all).chars().any(|c| c != '\n' && unsafe_char(c, true)));
    }
}
