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

/// Most attribute lists hold at most this many attributes; longer ones take quick-xml's iterator.
const FAST_ATTRS: usize = 12;

/// Calls `f(key, value)` for each attribute of an element, in order, as quick-xml's attribute
/// iterator without checks gives them (malformed attributes left out).
///
/// The attributes of nearly every `<testcase>` are written plainly (`key="value"` separated by
/// whitespace): those are split here with one `memchr` per value, a quarter of the iterator's
/// cost. Anything else (spaces around `=`, unquoted values, no space between attributes, more
/// than `FAST_ATTRS`) goes through quick-xml's iterator, so that what a malformed element
/// gives stays what quick-xml makes of it.
#[inline]
pub(crate) fn for_each_attr(e: &BytesStart<'_>, mut f: impl FnMut(&[u8], &[u8])) {
    let raw = e.attributes_raw();
    let mut spans = [(0usize, 0usize, 0usize); FAST_ATTRS];
    match plain_attrs(raw, &mut spans) {
        Some(n) => {
            for &(k, v, end) in &spans[..n] {
                f(&raw[k..v - 2], &raw[v..end]);
            }
        }
        None => {
            for a in e.attributes().with_checks(false).flatten() {
                f(a.key.as_ref(), &a.value);
            }
        }
    }
}

/// [`for_each_attr`] without its spans: `f` is called as each plain attribute is split, and
/// `reset` once if the list turns out not to be plain (after some calls of `f`), before every
/// attribute is given again as quick-xml's iterator gives it. For the `<testcase>` element,
/// whose handler is cheap to reset.
#[inline]
pub(crate) fn for_each_attr_resetting<S>(
    e: &BytesStart<'_>,
    state: &mut S,
    reset: impl Fn(&mut S),
    f: impl Fn(&mut S, &[u8], &[u8]),
) {
    let raw = e.attributes_raw();
    let plain = split_plain(
        raw,
        usize::MAX,
        ListEnd::AllBytes,
        no_plain_keys,
        |_, k, v, end| {
            f(state, &raw[k..v - 2], &raw[v..end]);
        },
    );
    if plain.is_none() {
        reset(state);
        for a in e.attributes().with_checks(false).flatten() {
            f(state, a.key.as_ref(), &a.value);
        }
    }
}

/// The `classname` and `name` of a plainly written empty `<testcase .../>` ([`plain_case_names`]),
/// as written (plain ASCII: decoded, each is itself; absent: empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PlainNames<'a> {
    pub classname: &'a [u8],
    pub name: &'a [u8],
    /// Where the attribute list ends in the bytes given ([`ListEnd`]).
    pub end: usize,
}

/// For an empty `<testcase .../>`: splits a plainly written attribute list, giving back the last
/// `classname` and `name` as written and every other attribute to `f`. `None` (after some
/// calls) when the list is not written plainly, does not end as `list_end` says, or a
/// `classname` or `name` needs decoding (found as its closing quote is searched for): the
/// caller then reads the element the usual way.
#[inline(always)]
pub(crate) fn plain_case_names<'a, S>(
    raw: &'a [u8],
    list_end: ListEnd,
    state: &mut S,
    f: impl Fn(&mut S, &[u8], &[u8]),
) -> Option<PlainNames<'a>> {
    let mut classname: &[u8] = &[];
    let mut name: &[u8] = &[];
    let (_, end) = split_plain(raw, usize::MAX, list_end, case_key, |kind, k, v, end| {
        let value = &raw[v..end];
        match kind {
            KeyKind::Name => name = value,
            KeyKind::Classname => classname = value,
            KeyKind::Other => f(state, &raw[k..v - 2], value),
        }
    })?;
    Some(PlainNames {
        classname,
        name,
        end,
    })
}

/// What a key is to [`split_plain`]: the values of `name` and `classname` are taken only when
/// plain ASCII.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Name,
    Classname,
    Other,
}

/// A `<testcase>`'s key starting at `raw[i]` for [`plain_case_names`]: where it ends
/// ([`key_end`]) and its kind. `name=`, `classname=` and `time=` (nearly every key) are told
/// from their first bytes, without searching for the end.
#[inline(always)]
fn case_key(raw: &[u8], i: usize) -> (usize, KeyKind) {
    let rest = &raw[i..];
    match rest.first() {
        Some(b'n') if rest.starts_with(b"name=") => return (i + 4, KeyKind::Name),
        Some(b'c') if rest.starts_with(b"classname=") => return (i + 9, KeyKind::Classname),
        Some(b't') if rest.starts_with(b"time=") => return (i + 4, KeyKind::Other),
        _ => {}
    }
    let end = key_end(raw, i);
    let kind = match &raw[i..end] {
        b"name" => KeyKind::Name,
        b"classname" => KeyKind::Classname,
        _ => KeyKind::Other,
    };
    (end, kind)
}

/// Any element's key for [`split_plain`]: no value has to be plain ASCII.
#[inline(always)]
fn no_plain_keys(raw: &[u8], i: usize) -> (usize, KeyKind) {
    (key_end(raw, i), KeyKind::Other)
}

/// Where a plainly written attribute list ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListEnd {
    /// At the end of the bytes: the attributes of an element as quick-xml gives them.
    AllBytes,
    /// At the `/>` closing an empty element, read straight from the input (the bytes past it
    /// are not looked at); the end given is past the `>`.
    EmptyElementClose,
}

/// Splits `key="value"` pairs separated by XML whitespace into (key start, value start, value
/// end) spans; `None` when the list is written any other way.
#[inline]
fn plain_attrs(raw: &[u8], spans: &mut [(usize, usize, usize); FAST_ATTRS]) -> Option<usize> {
    let mut n = 0;
    split_plain(
        raw,
        FAST_ATTRS,
        ListEnd::AllBytes,
        no_plain_keys,
        |_, k, v, end| {
            spans[n] = (k, v, end);
            n += 1;
        },
    )
    .map(|(n, _)| n)
}

/// Calls `span(key start, value start, value end)` for each `key="value"` pair separated by
/// XML whitespace, at most `max` of them; `None` (after some calls) when the list is written any
/// other way, holds more, does not end as `list_end` says, or the value of a key which
/// `read_key` (its end and kind) calls a `name` or `classname` is not plain ASCII ([`is_plain_ascii`], checked in
/// the same pass as its closing quote is searched for); else the number of pairs and where the
/// list ends. `span` is given the key's kind too.
#[inline(always)]
fn split_plain(
    raw: &[u8],
    max: usize,
    list_end: ListEnd,
    read_key: impl Fn(&[u8], usize) -> (usize, KeyKind),
    mut span: impl FnMut(KeyKind, usize, usize, usize),
) -> Option<(usize, usize)> {
    let mut n = 0;
    let mut i = 0;
    loop {
        // Whitespace before each attribute (one at least, but before the first).
        let before = i;
        while i < raw.len() && is_xml_ws(raw[i]) {
            i += 1;
        }
        match list_end {
            ListEnd::AllBytes if i == raw.len() => return Some((n, i)),
            ListEnd::EmptyElementClose if raw.get(i) == Some(&b'/') => {
                return (raw.get(i + 1) == Some(&b'>')).then_some((n, i + 2));
            }
            _ => {}
        }
        if i == raw.len() || (i == before && n > 0) || n == max {
            return None;
        }
        let key = i;
        let kind;
        (i, kind) = read_key(raw, i);
        if i == key || i + 1 >= raw.len() || raw[i] != b'=' {
            return None;
        }
        let quote = raw[i + 1];
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let value = i + 2;
        let len = if kind == KeyKind::Other {
            find_quote(quote, &raw[value..])?
        } else {
            find_plain_quote(quote, &raw[value..])?
        };
        span(kind, key, value, value + len);
        n += 1;
        i = value + len + 1;
    }
}

/// Where the key starting at `i` ends: at the first byte of `STOPS_KEY`, eight bytes at a
/// time while eight are left. A control byte other than whitespace also ends it there (the
/// list then takes quick-xml's iterator, which reads it as before), and so does `>`: in an
/// element read straight from the input it would have closed the element for quick-xml.
///
/// On x86_64 sixteen bytes at a time with SSE2 while sixteen are left.
#[inline]
fn key_end(raw: &[u8], i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    if raw.len() >= 16 && i < raw.len() {
        return simd::key_end(raw, i);
    }
    key_end_words(raw, i)
}

/// [`key_end`] eight bytes at a time.
#[inline]
fn key_end_words(raw: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    while i + 8 <= raw.len() {
        let w = u64::from_le_bytes(raw[i..i + 8].try_into().expect("8 bytes"));
        // Lowest flagged byte exact in each mask (borrows only run upwards): a byte below 0x28
        // (controls, whitespace, the quotes and a few others) or from 0x80, or one of `<=>`;
        // the flagged byte is looked at.
        let near = w ^ (ONES * 0x3C);
        let found =
            ((w.wrapping_sub(ONES * 0x28) | w) | (near.wrapping_sub(ONES * 3) & !near)) & HIGHS;
        if found == 0 {
            i += 8;
            continue;
        }
        let at = i + (found.trailing_zeros() / 8) as usize;
        if raw[at] < 0x21 || STOPS_KEY[raw[at] as usize] {
            return at;
        }
        i = at + 1;
    }
    while i < raw.len() && !STOPS_KEY[raw[i] as usize] {
        i += 1;
    }
    i
}

/// Where the first byte that is not XML whitespace is in `bytes` (`None`: none is): the
/// indentation before each element. On x86_64 sixteen bytes at a time with SSE2 (the last
/// sixteen read again overlapping), shorter inputs a byte at a time.
#[inline]
pub(crate) fn first_non_ws(bytes: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if bytes.len() >= 16 {
        return simd::first_non_ws(bytes);
    }
    bytes.iter().position(|&b| !is_xml_ws(b))
}

/// XML whitespace: space, tab, line feed, carriage return.
#[inline(always)]
pub(crate) fn is_xml_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Sixteen bytes at a time with SSE2, which every x86_64 processor has.
#[cfg(target_arch = "x86_64")]
mod simd;

/// The bytes that end an attribute's key: `=`, quotes, `>` and XML whitespace.
static STOPS_KEY: [bool; 256] = {
    let mut t = [false; 256];
    t[b'=' as usize] = true;
    t[b'>' as usize] = true;
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t[b' ' as usize] = true;
    t[b'\t' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t
};

/// The first `quote` in `bytes`: eight bytes at a time over the first 32 (the short values of
/// most attributes; `memchr` costs more to start), `memchr` past them (messages).
#[inline]
fn find_quote(quote: u8, bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let pattern = ONES * u64::from(quote);
    let mut i = 0;
    while i + 8 <= bytes.len() && i < 32 {
        let word = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        let x = word ^ pattern;
        // The lowest byte flagged is the first byte equal to `quote` (borrows only run upwards).
        let found = x.wrapping_sub(ONES) & !x & HIGHS;
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    if i < 32 {
        return bytes[i..].iter().position(|&b| b == quote).map(|p| i + p);
    }
    memchr::memchr(quote, &bytes[i..]).map(|p| i + p)
}

/// The first `quote` in `bytes` when every byte before it is plain ASCII ([`is_plain_ascii`]),
/// eight bytes at a time: one pass over a `name` or `classname` for both checks. `None` when a
/// byte before the first quote is not plain, or there is no quote.
///
/// On x86_64 sixteen bytes at a time with SSE2 (part of its baseline), the last sixteen read
/// again overlapping; values shorter than sixteen bytes as elsewhere.
#[inline]
fn find_plain_quote(quote: u8, bytes: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if bytes.len() >= 16 {
        return simd::find_plain_quote(quote, bytes);
    }
    find_plain_quote_words(quote, bytes)
}

/// [`find_plain_quote`] eight bytes at a time.
#[inline]
fn find_plain_quote_words(quote: u8, bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let w = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        // Bytes below 0x28 (controls, the quotes, `&`, and a few plain ones such as the space)
        // or from 0x80: the lowest flagged byte is exact (borrows only run upwards), and is
        // looked at.
        let found = (w.wrapping_sub(ONES * 0x28) | w) & HIGHS;
        if found == 0 {
            i += 8;
            continue;
        }
        let at = i + (found.trailing_zeros() / 8) as usize;
        match bytes[at] {
            b if b == quote => return Some(at),
            b' ' | b'!' | b'"' | b'#' | b'$' | b'%' | b'\'' => i = at + 1,
            _ => return None,
        }
    }
    for (at, &b) in bytes.iter().enumerate().skip(i) {
        if b == quote {
            return Some(at);
        }
        if b.wrapping_sub(0x20) >= 0x60 || b == b'&' {
            return None;
        }
    }
    None
}

/// An attribute's text, decoded as [`attr_text`] decodes it, kept as UTF-8 bytes in a buffer
/// reused from case to case: the plain ASCII values of nearly every `<testcase>` are copied as
/// they are, without a UTF-8 validation each.
#[derive(Debug, Default, Clone)]
pub(crate) struct AttrText(Vec<u8>);

impl AttrText {
    /// Replaces the text with the attribute value `raw`, decoded.
    #[inline]
    pub fn set(&mut self, raw: &[u8]) {
        self.0.clear();
        if is_plain_ascii(raw) {
            self.0.extend_from_slice(raw);
        } else {
            self.0.extend_from_slice(attr_text_slow(raw).as_bytes());
        }
    }

    /// Replaces the text with `text`.
    pub fn set_str(&mut self, text: &str) {
        self.0.clear();
        self.0.extend_from_slice(text.as_bytes());
    }

    #[inline]
    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The text as a `String` (a copy).
    #[cfg(test)]
    pub fn to_text(&self) -> String {
        // Always UTF-8: built from `str`s and ASCII only.
        String::from_utf8_lossy(&self.0).into_owned()
    }
}

impl AsRef<[u8]> for AttrText {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// ASCII without a control character or `&` (decoded, such a value is itself): eight bytes at
/// a time.
#[inline]
fn is_plain_ascii(raw: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut words = raw.chunks_exact(8);
    let mut bad = 0u64;
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        let amp = w ^ (ONES * u64::from(b'&'));
        // A byte >= 0x80; else, exactly, a byte < 0x20 or a zero byte of `amp` (an `&`).
        bad |= w | (w.wrapping_sub(ONES * 0x20) & !w) | (amp.wrapping_sub(ONES) & !amp);
    }
    let tail = words.remainder().iter().fold(false, |acc, &b| {
        acc | (b.wrapping_sub(0x20) >= 0x60) | (b == b'&')
    });
    bad & HIGHS == 0 && !tail
}

/// An attribute value as text: literal tabs and line ends become spaces (XML attribute-value
/// normalization; `&#10;` stays a line feed), entities resolved (the five predefined ones and
/// character references only; anything else is kept as written), invalid UTF-8 replaced.
#[inline]
pub(crate) fn attr_text(raw: &[u8]) -> Cow<'_, str> {
    // Most values: no control character, no `&`. One pass the compiler vectorizes.
    let plain = !raw
        .iter()
        .fold(false, |acc, &b| acc | (b < 0x20) | (b == b'&'));
    if plain {
        if let Ok(s) = std::str::from_utf8(raw) {
            return Cow::Borrowed(s);
        }
    }
    attr_text_slow(raw)
}

fn attr_text_slow(raw: &[u8]) -> Cow<'_, str> {
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
    let mut time = None;
    for_each_attr(e, |key, value| {
        if key == b"time" && time.is_none() {
            time = Some(attr_time_value(value));
        }
    });
    time.flatten()
}

/// A `time` attribute's value in seconds (see [`parse_time`]).
#[inline]
pub(crate) fn attr_time_value(raw: &[u8]) -> Option<f64> {
    match plain_decimal(raw) {
        Some(t) => Some(t),
        None => attr_time_other(raw),
    }
}

/// [`attr_time_value`] of a value that is not a plain decimal (out of line: rare).
#[inline(never)]
fn attr_time_other(raw: &[u8]) -> Option<f64> {
    match std::str::from_utf8(raw) {
        Ok(s) if !s.contains('&') => parse_time(s),
        _ => parse_time(&attr_text(raw)),
    }
}

/// `0.001`, `12`, `1.5`: digits, an optional dot and digits, at most 15 digits in all, as
/// `str::parse::<f64>` reads them (the exact integer divided by an exact power of ten is
/// correctly rounded: the fast path of every correct float parser). `None` for anything else.
#[inline(always)]
fn plain_decimal(raw: &[u8]) -> Option<f64> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    // `0.056`, the shape of most times (milliseconds, as Surefire and pytest write them):
    // the same integer over the same power of ten as below, without the loop.
    if let [a, b'.', b, c, d] = *raw {
        let [a, b, c, d] = [a, b, c, d].map(|x| x.wrapping_sub(b'0'));
        if a < 10 && b < 10 && c < 10 && d < 10 {
            let mantissa =
                u64::from(a) * 1000 + u64::from(b) * 100 + u64::from(c) * 10 + u64::from(d);
            return Some(mantissa as f64 / POW10[3]);
        }
    }
    if raw.is_empty() || raw.len() > 16 {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut digits = 0usize;
    let mut fraction: Option<usize> = None;
    for &b in raw {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                digits += 1;
            }
            b'.' if fraction.is_none() => fraction = Some(digits),
            _ => return None,
        }
    }
    if digits == 0 || digits > 15 {
        return None;
    }
    let scale = digits - fraction.unwrap_or(digits);
    Some(mantissa as f64 / POW10[scale])
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

#[cfg(test)]
mod tests {
    use super::*;

    /// What quick-xml's iterator without checks gives.
    fn iterated(e: &BytesStart<'_>) -> Vec<(Vec<u8>, Vec<u8>)> {
        e.attributes()
            .with_checks(false)
            .flatten()
            .map(|a| (a.key.as_ref().to_vec(), a.value.to_vec()))
            .collect()
    }

    /// The next state of a xorshift generator: the tests' random inputs, the same on every run.
    fn next(x: &mut u64) -> u64 {
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x
    }

    /// `len` bytes from `common`, one in `one_in` from `rare` instead.
    fn sprinkled(x: &mut u64, len: usize, common: &[u8], rare: &[u8], one_in: u64) -> Vec<u8> {
        (0..len)
            .map(|_| {
                let r = next(x);
                let from = if r % one_in == 0 { rare } else { common };
                from[(r >> 8) as usize % from.len()]
            })
            .collect()
    }

    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyz";

    #[test]
    fn attributes_split_here_are_those_quick_xml_gives() {
        let many: String = (0..20).map(|i| format!(" a{i}=\"{i}\"")).collect();
        for attrs in [
            "",
            " ",
            r#" name="a" classname="b" time="0.5""#,
            " name='a\"b' x=\"'\"",
            " name=\"\"\n\ttime=\"1\"\r\n",
            r#" name="a"classname="b""#,
            r#" name = "a" b="c""#,
            " name=a b=\"c\"",
            " disabled name=\"a\"",
            r#" name="a" b="unclosed"#,
            r#" name="<<computed>>" t=">""#,
            r#" ="v" name="a""#,
            r#" a"b="c""#,
            // Keys of eight bytes and more, read a word at a time; stops inside a word.
            r#" classname="c" averyveryverylongkey="v" abcdefgh="x""#,
            " classname\t=\"c\" key'long=\"v\"",
            " abcdefghij\u{1}k=\"c\" name=\"a\"",
            " ab\u{1}=\"c\"",
            " abcdefghijklmnopqrs\u{e9}=\"c\"",
            many.as_str(),
        ] {
            let e = BytesStart::from_content(format!("testcase{attrs}"), 8);
            let mut split = Vec::new();
            for_each_attr(&e, |k, v| split.push((k.to_vec(), v.to_vec())));
            assert_eq!(split, iterated(&e), "{attrs:?}");
            // Taken as split, reset when not plain: the same in the end.
            let mut taken: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
            for_each_attr_resetting(&e, &mut taken, Vec::clear, |t, k, v| {
                t.push((k.to_vec(), v.to_vec()))
            });
            assert_eq!(taken, iterated(&e), "{attrs:?}, taken as split");
        }
    }

    #[test]
    fn random_attribute_lists_split_as_quick_xml_splits_them() {
        let pieces: [&[u8]; 16] = [
            b" ",
            b"\t",
            b"name",
            b"classname",
            b"averyverylongkeyname",
            b"=",
            b"\"",
            b"'",
            b"<",
            b">",
            b"\x01",
            b"\xc3\xa9",
            b"&amp;",
            b"value with spaces",
            b"abcdefg",
            b"#$%!(",
        ];
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..5_000 {
            let mut attrs: Vec<u8> = Vec::new();
            for _ in 0..(x % 24) {
                attrs.extend_from_slice(pieces[(next(&mut x) >> 20) as usize % pieces.len()]);
            }
            let Ok(text) = String::from_utf8(attrs) else {
                continue;
            };
            let e = BytesStart::from_content(format!("testcase {text}"), 8);
            let mut split = Vec::new();
            for_each_attr(&e, |k, v| split.push((k.to_vec(), v.to_vec())));
            assert_eq!(split, iterated(&e), "{text:?}");
        }
    }

    #[test]
    fn plain_ascii_is_told_as_a_byte_by_byte_check_tells_it() {
        let plain = |raw: &[u8]| raw.iter().all(|&b| (0x20..0x80).contains(&b) && b != b'&');
        let alphabet = b"aZ09 ~\x7f&%'\x1f\x20\x80\xff\t";
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for len in 0..40 {
            for _ in 0..200 {
                // Mostly plain letters, now and then one of the alphabet.
                let bytes = sprinkled(&mut x, len, LETTERS, alphabet, 8);
                assert_eq!(is_plain_ascii(&bytes), plain(&bytes), "{bytes:?}");
            }
        }
    }

    #[test]
    fn a_quote_is_found_where_a_byte_search_finds_it() {
        for len in 0..80 {
            for at in (0..=len).chain([usize::MAX]) {
                let mut bytes: Vec<u8> =
                    (0..len).map(|i| b"a\"'&<x\xff\x00"[i % 8] ^ 0x40).collect();
                if at < len {
                    bytes[at] = b'"';
                }
                for quote in [b'"', b'\''] {
                    assert_eq!(
                        find_quote(quote, &bytes),
                        memchr::memchr(quote, &bytes),
                        "{len} {at} {quote}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_key_ends_where_a_byte_by_byte_search_ends_it() {
        // Whitespace but no other control byte: every way of reading stops at the same byte.
        let stops = |b: u8| STOPS_KEY[b as usize];
        let alphabet = b"aZ09~\x7f&%'\"=<>/ \t\n\r\x80\xff";
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for len in 0..80 {
            for _ in 0..200 {
                let raw = sprinkled(&mut x, len, LETTERS, alphabet, 10);
                for i in 0..=len {
                    let expected = raw[i..]
                        .iter()
                        .position(|&b| stops(b))
                        .map_or(len, |p| i + p);
                    assert_eq!(key_end(&raw, i), expected, "{raw:?} {i}");
                    assert_eq!(key_end_words(&raw, i), expected, "{raw:?} {i}");
                }
            }
        }
        // A control byte ends a key read sixteen bytes at a time, the last sixteen too.
        #[cfg(target_arch = "x86_64")]
        for len in 16..40 {
            for at in 0..len {
                let mut raw = vec![b'k'; len];
                raw[at] = 0x01;
                assert_eq!(key_end(&raw, 0), at, "{len} {at}");
            }
        }
    }

    #[test]
    fn the_first_byte_after_whitespace_is_where_a_byte_search_finds_it() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        for len in 0..80 {
            for _ in 0..200 {
                // Mostly whitespace, now and then another byte.
                let bytes = sprinkled(&mut x, len, b" \t\n\r", b"<a\x0b\x80", 12);
                let expected = bytes
                    .iter()
                    .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
                assert_eq!(first_non_ws(&bytes), expected, "{bytes:?}");
            }
        }
    }

    #[test]
    fn a_plain_value_ends_where_a_byte_by_byte_check_ends_it() {
        let expected = |bytes: &[u8], quote: u8| {
            let at = bytes.iter().position(|&b| b == quote)?;
            is_plain_ascii(&bytes[..at]).then_some(at)
        };
        let alphabet = b"aZ09 ~\x7f&%'\"\x1f\x20\x80\xff\t\n";
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        // Past 16 bytes: sixteen at a time on x86_64, the last ones read again overlapping.
        for len in 0..80 {
            for _ in 0..300 {
                let bytes = sprinkled(&mut x, len, LETTERS, alphabet, 6);
                for quote in [b'"', b'\''] {
                    assert_eq!(
                        find_plain_quote(quote, &bytes),
                        expected(&bytes, quote),
                        "{bytes:?} {quote}"
                    );
                }
            }
        }
    }

    #[test]
    fn plain_decimals_read_as_str_parse_reads_them() {
        let mut texts: Vec<String> = [
            "0",
            "0.000",
            "1.",
            ".5",
            "007",
            "123456789012345",
            "0.1",
            "0.3",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            next(&mut x);
            let digits = (x % 999_999_999_999_999).to_string();
            let dot = (x >> 50) as usize % (digits.len() + 1);
            texts.push(format!("{}.{}", &digits[..dot], &digits[dot..]));
        }
        // Every `d.ddd` (read without the loop), and its neighbours in shape.
        for m in 0..10_000 {
            texts.push(format!("{}.{:03}", m / 1000, m % 1000));
        }
        texts.extend(["1.05", "10.050", "0.0500", "1.2345", "12.34"].map(String::from));
        for t in &texts {
            assert_eq!(
                plain_decimal(t.as_bytes()),
                Some(t.parse::<f64>().unwrap()),
                "{t}"
            );
        }
        for junk in [
            "",
            ".",
            "1.2.3",
            "-1",
            "1e3",
            " 1",
            "1,5",
            "1234567890123456",
            "a.123",
            "1.12a",
            "1.1/3",
            "1:123",
            "1..23",
            "/.123",
        ] {
            assert_eq!(plain_decimal(junk.as_bytes()), None, "{junk}");
        }
    }

    #[test]
    fn attribute_texts_are_decoded_as_attr_text_decodes_them() {
        let mut t = AttrText::default();
        for raw in [
            &b"org.Test[1]"[..],
            b"a &amp; b\tc",
            b"caf\xc3\xa9",
            b"a\xff",
            b"\x01",
            b"",
        ] {
            t.set(raw);
            assert_eq!(t.to_text(), attr_text(raw), "{raw:?}");
            assert_eq!(t.as_ref(), attr_text(raw).as_bytes(), "{raw:?}");
        }
    }

    #[test]
    fn plain_attribute_values_are_borrowed_and_others_decoded() {
        assert!(matches!(attr_text(b"org.Test"), Cow::Borrowed("org.Test")));
        assert_eq!(attr_text(b"a &amp; b\tc"), "a & b c");
        assert_eq!(attr_text(b"caf\xc3\xa9"), "café");
        assert_eq!(attr_text(b"a\xff"), "a\u{fffd}");
    }
}
