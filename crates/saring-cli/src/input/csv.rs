//! CSV records framed line by line, so that a quoting error stays in its row.
//!
//! A plain CSV parser reads a stray `"` as the start of a quoted cell and swallows the rest of
//! the file into it. Here physical lines (ended by `\n`, `\r\n` or `\r`) are read one at a
//! time and handed to `csv-core`; a record may still span lines through a quoted cell (an
//! address with a line break), but only if it then has the header's number of cells, its
//! quote is closed before the end of the input, and it stays under
//! [`saring::limits::MAX_RECORD_BYTES`]. Otherwise its first line alone is a bad row and
//! reading starts again on the next line: rows out equal rows in.

use std::collections::VecDeque;
use std::io::BufRead;

use saring::limits::MAX_RECORD_BYTES;

/// One framed record.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// The cells of a record.
    Cells(Vec<String>),
    /// A line that is not a record: error code and message.
    Bad(&'static str, String),
}

/// A physical line without its terminator.
struct Line {
    bytes: Vec<u8>,
    /// Longer than the record limit (the rest was skipped, not stored).
    too_long: bool,
}

/// Reads framed records from a CSV input.
pub(crate) struct Framer<R> {
    reader: R,
    pending: VecDeque<Line>,
    eof: bool,
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    /// Cells per record (the header's), once known.
    pub(crate) expected: Option<usize>,
}

impl<R: BufRead> Framer<R> {
    /// A framer over `reader` with a cell delimiter.
    pub(crate) fn new(reader: R, delimiter: u8) -> Framer<R> {
        Framer {
            reader,
            pending: VecDeque::new(),
            eof: false,
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            out: vec![0; 4096],
            ends: vec![0; 64],
            expected: None,
        }
    }

    /// Reads one physical line into `pending`; false at the end of the input.
    fn read_line(&mut self) -> std::io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let mut line = Line {
            bytes: Vec::new(),
            too_long: false,
        };
        let mut any = false;
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                self.eof = true;
                break;
            }
            any = true;
            match buf.iter().position(|&b| b == b'\n' || b == b'\r') {
                Some(i) => {
                    let cr = buf[i] == b'\r';
                    if !line.too_long {
                        if line.bytes.len() + i > MAX_RECORD_BYTES {
                            line.too_long = true;
                            line.bytes.clear();
                        } else {
                            line.bytes.extend_from_slice(&buf[..i]);
                        }
                    }
                    self.reader.consume(i + 1);
                    if cr {
                        // `\r\n` is one terminator.
                        let next = self.reader.fill_buf()?;
                        if next.first() == Some(&b'\n') {
                            self.reader.consume(1);
                        }
                    }
                    break;
                }
                None => {
                    let n = buf.len();
                    if !line.too_long {
                        if line.bytes.len() + n > MAX_RECORD_BYTES {
                            line.too_long = true;
                            line.bytes.clear();
                        } else {
                            line.bytes.extend_from_slice(buf);
                        }
                    }
                    self.reader.consume(n);
                }
            }
        }
        if any {
            self.pending.push_back(line);
        }
        Ok(any)
    }

    /// Makes sure line `i` of `pending` is there; false if the input ends before it.
    fn have(&mut self, i: usize) -> std::io::Result<bool> {
        while self.pending.len() <= i {
            if !self.read_line()? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The next record, or a bad line, or `None` at the end of the input.
    pub(crate) fn next_frame(&mut self) -> std::io::Result<Option<Frame>> {
        // Blank lines between records are skipped.
        loop {
            if !self.have(0)? {
                return Ok(None);
            }
            let blank = self
                .pending
                .front()
                .is_some_and(|l| !l.too_long && l.bytes.iter().all(|b| *b == b' ' || *b == b'\t'));
            if !blank {
                break;
            }
            self.pending.pop_front();
        }
        if self.pending.front().is_some_and(|l| l.too_long) {
            self.pending.pop_front();
            return Ok(Some(Frame::Bad(
                "record.too_large",
                format!("row is longer than {MAX_RECORD_BYTES} bytes"),
            )));
        }
        self.core.reset();
        // csv-core drops a byte-order mark at the start of its input after a reset; the first
        // byte goes in alone so that a cell starting with U+FEFF keeps it (the mark at the
        // start of the file is skipped before framing).
        let mut fresh = true;
        let (mut nout, mut nend) = (0usize, 0usize);
        let mut bytes = 0usize;
        let mut i = 0usize;
        let complete = loop {
            if !self.have(i)? {
                break false; // the input ended inside a quoted cell
            }
            let line = &self.pending[i];
            if line.too_long {
                break false;
            }
            bytes += line.bytes.len() + 1;
            if bytes > MAX_RECORD_BYTES {
                break false;
            }
            // The line, then the one terminator csv-core sees.
            let mut done = false;
            for segment in [line.bytes.as_slice(), b"\n".as_slice()] {
                let mut pos = 0;
                while pos < segment.len() && !done {
                    let end = if fresh { pos + 1 } else { segment.len() };
                    fresh = false;
                    let (res, nin, o, e) = self.core.read_record(
                        &segment[pos..end],
                        &mut self.out[nout..],
                        &mut self.ends[nend..],
                    );
                    pos += nin;
                    nout += o;
                    nend += e;
                    match res {
                        csv_core::ReadRecordResult::InputEmpty => {}
                        csv_core::ReadRecordResult::OutputFull => {
                            let n = self.out.len();
                            self.out.resize(n * 2, 0);
                        }
                        csv_core::ReadRecordResult::OutputEndsFull => {
                            let n = self.ends.len();
                            self.ends.resize(n * 2, 0);
                        }
                        csv_core::ReadRecordResult::Record | csv_core::ReadRecordResult::End => {
                            done = true;
                        }
                    }
                }
            }
            if done {
                break true;
            }
            i += 1;
        };
        let lines = i + 1;
        let cells = nend;
        let fits = self.expected.is_none_or(|n| n == cells);
        if complete && (lines == 1 || fits) {
            let mut out = Vec::with_capacity(cells);
            let mut start = 0;
            let mut bad_utf8 = false;
            for &end in &self.ends[..nend] {
                match std::str::from_utf8(&self.out[start..end]) {
                    Ok(s) => out.push(s.to_string()),
                    Err(_) => bad_utf8 = true,
                }
                start = end;
            }
            self.pending.drain(..lines);
            if bad_utf8 {
                return Ok(Some(Frame::Bad(
                    "record.syntax",
                    "row is not valid UTF-8".to_string(),
                )));
            }
            return Ok(Some(Frame::Cells(out)));
        }
        // Not a record: the first line alone is the bad row.
        self.pending.pop_front();
        let why = if !complete && lines == 1 {
            "a quoted cell is not closed before the end of the input".to_string()
        } else if !complete {
            format!(
                "a quoted cell opened on this row is not closed within {MAX_RECORD_BYTES} bytes \
                 or before the end of the input"
            )
        } else {
            format!(
                "a quoted cell opened on this row runs over {} lines and gives {cells} cells, \
                 not {}",
                lines,
                self.expected.unwrap_or(0)
            )
        };
        Ok(Some(Frame::Bad(
            "record.syntax",
            format!("{why} (a stray `\"`?); only this row is skipped"),
        )))
    }
}

/// The delimiter of a CSV file from its first line: the most frequent of `,`, `;` and tab
/// outside quotes (`,` when none or tied) — spreadsheets in many locales export `;`.
pub(crate) fn sniff_delimiter(first_line: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in first_line {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = [b',', b';', b'\t']
        .into_iter()
        .zip(counts)
        .fold(
            (b',', 0),
            |best, (d, c)| if c > best.1 { (d, c) } else { best },
        );
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(text: &str, expected: Option<usize>) -> Vec<Frame> {
        let mut f = Framer::new(text.as_bytes(), b',');
        f.expected = expected;
        let mut out = Vec::new();
        while let Some(frame) = f.next_frame().expect("read") {
            out.push(frame);
        }
        out
    }

    fn cells(items: &[&str]) -> Frame {
        Frame::Cells(items.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn plain_and_quoted_records() {
        assert_eq!(
            frames("a,b\r\n\"x,1\",\"say \"\"hi\"\"\"\n\n3,4", Some(2)),
            vec![
                cells(&["a", "b"]),
                cells(&["x,1", "say \"hi\""]),
                cells(&["3", "4"])
            ]
        );
        // A line break inside a quoted cell is kept when the record fits the header.
        assert_eq!(
            frames("\"line 1\nline 2\",b\nc,d\n", Some(2)),
            vec![cells(&["line 1\nline 2", "b"]), cells(&["c", "d"])]
        );
        // A cell may start with U+FEFF (only the file's first bytes are a byte-order mark).
        assert_eq!(
            frames("a,b\n\u{feff}x,y\n", Some(2)),
            vec![cells(&["a", "b"]), cells(&["\u{feff}x", "y"])]
        );
        // Old Mac line ends.
        assert_eq!(
            frames("a,b\rc,d\r", Some(2)),
            vec![cells(&["a", "b"]), cells(&["c", "d"])]
        );
    }

    #[test]
    fn a_stray_quote_stays_in_its_row() {
        let got = frames("1,\"x\n2,y\n3,z\n", Some(2));
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(matches!(&got[0], Frame::Bad("record.syntax", m) if m.contains("stray")));
        assert_eq!(got[1], cells(&["2", "y"]));
        assert_eq!(got[2], cells(&["3", "z"]));
        // Two stray quotes that would pair up into one wrong-sized record: the first line is
        // bad, the second quote (inside an unquoted cell) is text.
        let got = frames("1,\"x,a\n2,y,b\n3,z,c\"\n4,w,d\n", Some(3));
        assert_eq!(got.len(), 4, "{got:?}");
        assert!(matches!(got[0], Frame::Bad(..)));
        assert_eq!(got[1], cells(&["2", "y", "b"]));
        assert_eq!(got[2], cells(&["3", "z", "c\""]));
        assert_eq!(got[3], cells(&["4", "w", "d"]));
        // A record that closes its quote with the header's number of cells is valid CSV.
        assert_eq!(
            frames("1,\"x\n2,y\n3,z\"\n", Some(2)),
            vec![cells(&["1", "x\n2,y\n3,z"])]
        );
    }

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter(b"a;b;c\n1,5;2;3"), b';');
        assert_eq!(sniff_delimiter(b"a,b"), b',');
        assert_eq!(sniff_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(sniff_delimiter(b"\"a;b\",c"), b',');
        assert_eq!(sniff_delimiter(b"single"), b',');
    }
}
