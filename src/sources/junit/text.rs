//! Attribute values and element text as the reader keeps them: attribute decoding (XML
//! whitespace normalization, entities), `time` values, and result text bounded and trimmed.

use super::model::truncate_chars;
use quick_xml::events::BytesStart;
use std::borrow::Cow;

/// Bytes of element text kept per result before truncation to `max_message_chars`.
const MAX_DETAIL_BYTES: usize = 64 * 1024;

/// Appends `text` to a result's text, up to `MAX_DETAIL_BYTES` in all (cut at a char boundary).
pub(crate) fn push_bounded(dst: &mut String, text: &str) {
    let room = MAX_DETAIL_BYTES.saturating_sub(dst.len());
    if room == 0 {
        return;
    }
    if text.len() <= room {
        dst.push_str(text);
    } else {
        let mut cut = room;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        dst.push_str(&text[..cut]);
    }
}

/// A result's text trimmed, its line ends made `\n` and cut to `max` chars; `None` when empty.
pub(crate) fn non_empty_detail(detail: &str, max: usize) -> Option<String> {
    let t = detail.trim();
    let normalized;
    let t = if t.contains('\r') {
        normalized = t.replace("\r\n", "\n").replace('\r', "\n");
        normalized.as_str()
    } else {
        t
    };
    (!t.is_empty()).then(|| truncate_chars(t, max))
}

/// An attribute value as text: literal tabs and line ends become spaces (XML attribute-value
/// normalization; `&#10;` stays a line feed), entities resolved (the five predefined ones and
/// character references only; anything else is kept as written), invalid UTF-8 replaced.
pub(crate) fn attr_text<'a>(raw: &'a Cow<'a, [u8]>) -> Cow<'a, str> {
    let special = memchr::memchr3(b'\t', b'\n', b'\r', raw).is_some();
    let escaped = memchr::memchr(b'&', raw).is_some();
    let mut text = match std::str::from_utf8(raw) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(raw),
    };
    if !special && !escaped {
        return text;
    }
    if special {
        text = Cow::Owned(text.replace("\r\n", " ").replace(['\t', '\n', '\r'], " "));
    }
    if !text.contains('&') {
        return text;
    }
    match quick_xml::escape::unescape(&text) {
        Ok(s) => Cow::Owned(s.into_owned()),
        Err(_) => text,
    }
}

/// The `time` attribute of an element, in seconds.
pub(crate) fn attr_time(e: &BytesStart<'_>) -> Option<f64> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == b"time")
        .and_then(|a| attr_time_value(&a.value))
}

/// A `time` attribute's value in seconds (see [`parse_time`]).
pub(crate) fn attr_time_value(raw: &[u8]) -> Option<f64> {
    match std::str::from_utf8(raw) {
        Ok(s) if !s.contains('&') => parse_time(s),
        _ => parse_time(&attr_text(&Cow::Borrowed(raw))),
    }
}

/// Parses a `time` attribute in seconds: `1.5`, `0,014` (decimal comma), `14,029.255`
/// (thousands separators), `1e-3`. Missing, negative, infinite or junk values are unknown.
pub fn parse_time(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let normalized: Cow<'_, str> = if t.contains(',') {
        let commas = t.matches(',').count();
        if commas == 1 && !t.contains('.') {
            // `0,014`, `1,5`: a decimal comma (durations over 999 s without a dot are rarer
            // than locales that write a decimal comma).
            Cow::Owned(t.replace(',', "."))
        } else if is_thousands_grouped(t.split('.').next().unwrap_or("")) {
            // `14,029.255`, `1,234,567`: commas group thousands.
            Cow::Owned(t.replace(',', ""))
        } else {
            return None;
        }
    } else {
        Cow::Borrowed(t)
    };
    let v: f64 = normalized.parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v)
}

/// `1,234` or `12,345,678`: digit groups of three after the first, more than one group.
fn is_thousands_grouped(t: &str) -> bool {
    let mut groups = t.split(',');
    let first = groups.next().unwrap_or("");
    if first.is_empty() || first.len() > 3 || !first.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let mut n = 0;
    for g in groups {
        if g.len() != 3 || !g.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        n += 1;
    }
    n > 0
}
