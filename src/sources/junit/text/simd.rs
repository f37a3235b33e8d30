//! The searches of `text.rs` sixteen bytes at a time with SSE2, which every x86_64 processor
//! has (part of its baseline: no runtime check). Each is compared with its byte-by-byte
//! definition in `text.rs`' tests, tails shorter than sixteen bytes included.

use std::arch::x86_64::{
    __m128i, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8,
    _mm_or_si128, _mm_set1_epi8,
};

/// The 16 bytes at `bytes[at..at + 16]`, each flagged (a bit of the mask) when it is
/// `quote`, below 0x20 or from 0x80 (signed below 0x20), or `&`.
#[inline(always)]
fn plain_stops(quote: u8, bytes: &[u8], at: usize) -> u32 {
    assert!(at + 16 <= bytes.len());
    // SAFETY: SSE2 is in x86_64's baseline; the unaligned load reads `bytes[at..at + 16]`,
    // inside `bytes` (asserted above).
    unsafe {
        let v = _mm_loadu_si128(bytes.as_ptr().add(at).cast::<__m128i>());
        let low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
        let amp = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'&' as i8));
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(quote as i8));
        _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(low, amp), quote)) as u32
    }
}

/// The 16 bytes at `bytes[at..at + 16]`, each flagged when it ends a key: below 0x21
/// (controls and the space), a quote, `=` or `>`.
#[inline(always)]
fn key_stops(bytes: &[u8], at: usize) -> u32 {
    assert!(at + 16 <= bytes.len());
    // SAFETY: as in `plain_stops`.
    unsafe {
        let v = _mm_loadu_si128(bytes.as_ptr().add(at).cast::<__m128i>());
        let low = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x20)), v);
        let dq = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        let sq = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\'' as i8));
        let eq = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'=' as i8));
        let gt = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'>' as i8));
        let stops = _mm_or_si128(
            _mm_or_si128(low, dq),
            _mm_or_si128(sq, _mm_or_si128(eq, gt)),
        );
        _mm_movemask_epi8(stops) as u32
    }
}

/// [`super::key_end`] for 16 bytes or more from `i` on (`i` inside `raw`): the first
/// flagged byte, or the end.
#[inline]
pub(super) fn key_end(raw: &[u8], mut i: usize) -> usize {
    let len = raw.len();
    while i + 16 <= len {
        let stops = key_stops(raw, i);
        if stops != 0 {
            return i + stops.trailing_zeros() as usize;
        }
        i += 16;
    }
    if i == len {
        return len;
    }
    // The last sixteen bytes, read again overlapping; those before `i` (read already, or
    // before the key) left out.
    let last = len - 16;
    let stops = key_stops(raw, last) >> (i - last) << (i - last);
    if stops == 0 {
        len
    } else {
        last + stops.trailing_zeros() as usize
    }
}

/// The 16 bytes at `bytes[at..at + 16]`, each flagged when it is not XML whitespace.
#[inline(always)]
fn non_ws(bytes: &[u8], at: usize) -> u32 {
    assert!(at + 16 <= bytes.len());
    // SAFETY: as in `plain_stops`.
    unsafe {
        let v = _mm_loadu_si128(bytes.as_ptr().add(at).cast::<__m128i>());
        let sp = _mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8));
        let tab = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\t' as i8));
        let lf = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\n' as i8));
        let cr = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\r' as i8));
        let ws = _mm_or_si128(_mm_or_si128(sp, tab), _mm_or_si128(lf, cr));
        !(_mm_movemask_epi8(ws) as u32) & 0xFFFF
    }
}

/// [`super::first_non_ws`] for 16 bytes or more.
#[inline]
pub(super) fn first_non_ws(bytes: &[u8]) -> Option<usize> {
    let len = bytes.len();
    let mut i = 0;
    while i + 16 <= len {
        let found = non_ws(bytes, i);
        if found != 0 {
            return Some(i + found.trailing_zeros() as usize);
        }
        i += 16;
    }
    if i == len {
        return None;
    }
    // The last sixteen bytes, read again overlapping (those already read are whitespace).
    let last = len - 16;
    let found = non_ws(bytes, last);
    (found != 0).then(|| last + found.trailing_zeros() as usize)
}

/// [`super::find_plain_quote`] for 16 bytes or more: the first flagged byte is the quote
/// (found) or a byte that is not plain (`None`).
#[inline]
pub(super) fn find_plain_quote(quote: u8, bytes: &[u8]) -> Option<usize> {
    let len = bytes.len();
    let mut i = 0;
    let mut stops = 0;
    while i + 16 <= len {
        stops = plain_stops(quote, bytes, i);
        if stops != 0 {
            break;
        }
        i += 16;
    }
    if stops == 0 {
        if i == len {
            return None;
        }
        // The last sixteen bytes, read again overlapping (those already read hold no stop).
        let last = len - 16;
        stops = plain_stops(quote, bytes, last);
        i = last;
        if stops == 0 {
            return None;
        }
    }
    let at = i + stops.trailing_zeros() as usize;
    (bytes[at] == quote).then_some(at)
}
