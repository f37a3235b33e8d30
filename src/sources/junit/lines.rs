//! Reader adaptors: a `BufRead` that knows the line of the next byte it hands out, so that a
//! refused file's message can name the line without a second pass over the file.

use std::fs::File;
use std::io::{self, BufRead, Read};
use std::sync::mpsc;

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

/// The size of one chunk of [`ChunkLines`].
const CHUNK: usize = 256 * 1024;

/// Chunks a reading thread keeps ready ahead of the parser ([`ChunkLines::read_ahead`]).
const CHUNKS_AHEAD: usize = 2;

/// Buffers a `Read` in 256 KiB chunks and counts the newlines of a chunk once it is consumed
/// whole; the line of a position inside the current chunk is counted only when asked. The
/// chunks are read either when the parser needs the next one ([`ChunkLines::new`]) or ahead of
/// it, by a thread of their own ([`ChunkLines::read_ahead`]).
pub(crate) struct ChunkLines<R> {
    source: Source<R>,
    buf: Box<[u8]>,
    pos: usize,
    filled: usize,
    /// The newlines of `buf[..filled]` when the reading thread counted them.
    buf_newlines: Option<u64>,
    newlines_before: u64,
}

enum Source<R> {
    /// Read when the parser needs the next chunk.
    Inline(R),
    /// Read ahead by a thread.
    Ahead(Ahead),
}

/// The parser's end of a reading thread: filled chunks come in, consumed buffers go back. When
/// it is dropped (the file read or refused), its channels close first (fields drop in order),
/// so the thread stops at its next send or receive, and then the thread is waited for: no
/// reading thread outlives its reader.
struct Ahead {
    chunks: mpsc::Receiver<io::Result<Chunk>>,
    spare: mpsc::SyncSender<Box<[u8]>>,
    /// Held for its drop, after the channels'.
    _thread: JoinOnDrop,
}

/// A thread waited for when this is dropped.
struct JoinOnDrop(Option<std::thread::JoinHandle<()>>);

impl Drop for JoinOnDrop {
    fn drop(&mut self) {
        if let Some(thread) = self.0.take() {
            // It only reads and sends: it cannot panic but through a bug, which the parser's
            // end already saw as the end of the file.
            let _ = thread.join();
        }
    }
}

/// A chunk the reading thread filled: `buf[..len]` (`len` 0: the end of the file), with its
/// newlines counted.
struct Chunk {
    buf: Box<[u8]>,
    len: usize,
    newlines: u64,
}

impl<R: Read> ChunkLines<R> {
    pub fn new(inner: R) -> ChunkLines<R> {
        ChunkLines::with_source(Source::Inline(inner), vec![0; CHUNK].into_boxed_slice())
    }

    fn with_source(source: Source<R>, buf: Box<[u8]>) -> ChunkLines<R> {
        ChunkLines {
            source,
            buf,
            pos: 0,
            filled: 0,
            buf_newlines: None,
            newlines_before: 0,
        }
    }
}

impl ChunkLines<File> {
    /// Reads `file` on a thread of its own, [`CHUNKS_AHEAD`] chunks ahead of the parser: the
    /// copy from the page cache and the count of newlines run beside the parsing (about a tenth
    /// of the time of a large file's read). When no thread can be started, the file is read as
    /// [`ChunkLines::new`] reads it.
    pub fn read_ahead(file: File) -> ChunkLines<File> {
        ChunkLines::read_ahead_in(file, CHUNK)
    }

    fn read_ahead_in(file: File, chunk: usize) -> ChunkLines<File> {
        match file
            .try_clone()
            .and_then(|clone| Ahead::start(clone, chunk))
        {
            Ok(ahead) => ChunkLines::with_source(Source::Ahead(ahead), Box::default()),
            Err(_) => {
                ChunkLines::with_source(Source::Inline(file), vec![0; chunk].into_boxed_slice())
            }
        }
    }
}

impl Ahead {
    fn start(mut file: File, chunk: usize) -> io::Result<Ahead> {
        let (chunk_tx, chunks) = mpsc::sync_channel::<io::Result<Chunk>>(CHUNKS_AHEAD);
        // Buffers: those queued ahead, the one being filled and the one the parser reads.
        let (spare, spare_rx) = mpsc::sync_channel::<Box<[u8]>>(CHUNKS_AHEAD + 2);
        for _ in 0..CHUNKS_AHEAD + 1 {
            spare
                .send(vec![0; chunk].into_boxed_slice())
                .expect("the channel holds them");
        }
        let thread = std::thread::Builder::new()
            .name("junit-read-ahead".to_owned())
            .spawn(move || {
                while let Ok(mut buf) = spare_rx.recv() {
                    let read = read_once(&mut file, &mut buf);
                    let end = !matches!(read, Ok(len) if len > 0);
                    let sent = read.map(|len| Chunk {
                        newlines: count_newlines(&buf[..len]),
                        buf,
                        len,
                    });
                    if chunk_tx.send(sent).is_err() || end {
                        return;
                    }
                }
            })?;
        Ok(Ahead {
            chunks,
            spare,
            _thread: JoinOnDrop(Some(thread)),
        })
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
    /// Moves to the next chunk once the current one is consumed whole (its newlines counted).
    #[cold]
    #[inline(never)]
    fn refill(&mut self) -> io::Result<()> {
        self.newlines_before += self
            .buf_newlines
            .unwrap_or_else(|| count_newlines(&self.buf[..self.filled]));
        self.pos = 0;
        self.filled = 0;
        self.buf_newlines = None;
        match &mut self.source {
            Source::Inline(inner) => self.filled = read_once(inner, &mut self.buf)?,
            Source::Ahead(ahead) => {
                let next = ahead.chunks.recv().unwrap_or_else(|_| {
                    // The thread sent the end of the file, or an error, already: the end again.
                    Ok(Chunk {
                        buf: Box::default(),
                        len: 0,
                        newlines: 0,
                    })
                })?;
                let used = std::mem::replace(&mut self.buf, next.buf);
                if !used.is_empty() {
                    // The thread may have stopped (end of file): the buffer is then dropped.
                    let _ = ahead.spare.try_send(used);
                }
                self.filled = next.len;
                self.buf_newlines = Some(next.newlines);
            }
        }
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

/// One `read` of `inner` into `buf`, tried again when a signal interrupted it.
fn read_once(inner: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match inner.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// The `\n` bytes in `bytes`.
pub(crate) fn count_newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Reads `input` whole through `lines`, a byte at a time or in runs of up to `step` bytes,
    /// checking the line of every position against a count of the newlines before it.
    fn read_checking_lines<S: LineSource>(mut lines: S, input: &[u8], step: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut line = 1;
        loop {
            assert_eq!(lines.line(), line, "at byte {}", out.len());
            let available = lines.fill_buf().expect("reads");
            if available.is_empty() {
                break;
            }
            let n = available.len().min(step);
            line += input[out.len()..out.len() + n]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64;
            out.extend_from_slice(&available[..n]);
            lines.consume(n);
        }
        out
    }

    fn file_of(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(bytes).unwrap();
        file
    }

    fn sample() -> Vec<u8> {
        (0..500u32)
            .flat_map(|i| {
                format!("<testcase name=\"t{i}\"/>{}", "\n".repeat(i as usize % 3)).into_bytes()
            })
            .collect()
    }

    #[test]
    fn chunks_read_ahead_by_a_thread_give_the_same_bytes_and_lines_as_chunks_read_inline() {
        let input = sample();
        let file = file_of(&input);
        for chunk in [1, 7, 64, 4096, input.len() + 1] {
            for step in [1, 5, usize::MAX] {
                let inline = ChunkLines {
                    buf: vec![0; chunk].into_boxed_slice(),
                    ..ChunkLines::new(File::open(file.path()).unwrap())
                };
                assert_eq!(
                    read_checking_lines(inline, &input, step),
                    input,
                    "{chunk} {step}"
                );
                let ahead = ChunkLines::read_ahead_in(File::open(file.path()).unwrap(), chunk);
                assert!(matches!(ahead.source, Source::Ahead(_)));
                assert_eq!(
                    read_checking_lines(ahead, &input, step),
                    input,
                    "{chunk} {step}"
                );
            }
        }
    }

    #[test]
    fn an_empty_file_read_ahead_ends_at_once_and_stays_ended() {
        let file = file_of(b"");
        let mut lines = ChunkLines::read_ahead_in(File::open(file.path()).unwrap(), 16);
        for _ in 0..3 {
            assert!(lines.fill_buf().unwrap().is_empty());
            assert_eq!(lines.line(), 1);
        }
    }

    #[test]
    fn a_read_error_on_the_reading_thread_reaches_the_parser() {
        // Reading a directory fails (EISDIR) although opening it succeeds.
        let dir = tempfile::tempdir().unwrap();
        let mut lines = ChunkLines::read_ahead_in(File::open(dir.path()).unwrap(), 16);
        let err = lines.fill_buf().expect_err("a directory is not read");
        assert_eq!(err.kind(), io::ErrorKind::IsADirectory, "{err}");
    }

    #[test]
    fn a_reader_dropped_before_the_end_closes_its_channels_then_waits_for_its_thread() {
        // The thread has filled every buffer and waits to hand over the next chunk. Dropping the
        // reader waits for the thread (a join), which ends only once the channels are closed:
        // with the join before the channels' drop, this drop would never return.
        let input = sample();
        let file = file_of(&input);
        let mut lines = ChunkLines::read_ahead_in(File::open(file.path()).unwrap(), 8);
        assert!(!lines.fill_buf().unwrap().is_empty());
        std::thread::sleep(std::time::Duration::from_millis(20));
        let (dropped, done) = mpsc::channel();
        std::thread::spawn(move || {
            drop(lines);
            dropped.send(()).unwrap();
        });
        assert!(
            done.recv_timeout(std::time::Duration::from_secs(10))
                .is_ok(),
            "the reading thread did not stop"
        );
    }
}
