//! Reader adaptors: a `BufRead` that knows the line of the next byte it hands out, so that a
//! refused file's message can name the line without a second pass over the file.

use std::io::{self, BufRead, Read};

/// A `BufRead` that knows the line of the next byte to consume, for error locations.
pub(crate) trait LineSource: BufRead {
    /// 1-based.
    fn line(&self) -> u64;
}

/// Counts the newlines of any `BufRead` as they are consumed.
pub(crate) struct LineCounter<R> {
    inner: R,
    newlines: u64,
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.newlines += count_newlines(&buf[..n]);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let n = amt.min(buf.len());
            self.newlines += count_newlines(&buf[..n]);
        }
        self.inner.consume(amt);
    }
}

impl<R: BufRead> LineSource for LineCounter<R> {
    fn line(&self) -> u64 {
        self.newlines + 1
    }
}

impl<R> LineCounter<R> {
    pub fn new(inner: R) -> LineCounter<R> {
        LineCounter { inner, newlines: 0 }
    }
}

/// Buffers a `Read` in 256 KiB chunks and counts the newlines of a chunk once it is consumed
/// whole; the line of a position inside the current chunk is counted only when asked.
pub(crate) struct ChunkLines<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    newlines_before: u64,
}

impl<R: Read> ChunkLines<R> {
    pub fn new(inner: R) -> ChunkLines<R> {
        ChunkLines {
            inner,
            buf: vec![0; 256 * 1024].into_boxed_slice(),
            pos: 0,
            filled: 0,
            newlines_before: 0,
        }
    }
}

impl<R: Read> Read for ChunkLines<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: Read> ChunkLines<R> {
    /// Reads the next chunk once the current one is consumed whole (its newlines counted).
    #[cold]
    #[inline(never)]
    fn refill(&mut self) -> io::Result<()> {
        self.newlines_before += count_newlines(&self.buf[..self.filled]);
        self.pos = 0;
        self.filled = 0;
        self.filled = loop {
            match self.inner.read(&mut self.buf) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        Ok(())
    }
}

impl<R: Read> BufRead for ChunkLines<R> {
    // Asked several times per element by quick-xml: inlined, the refill out of line.
    #[inline]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.filled {
            self.refill()?;
        }
        Ok(&self.buf[self.pos..self.filled])
    }

    #[inline]
    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.filled);
    }
}

impl<R: Read> LineSource for ChunkLines<R> {
    fn line(&self) -> u64 {
        self.newlines_before + count_newlines(&self.buf[..self.pos]) + 1
    }
}

/// The `\n` bytes in `bytes`.
pub(crate) fn count_newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}
