//! Reading lines of at most a given length, so that one enormous line (a 100 MB JSONL row)
//! is skipped in bounded memory instead of being buffered whole.

use std::io::{self, BufRead};

/// What [`read_line`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// The end of the input.
    End,
    /// A line, in the buffer (with its `\n`, if it had one).
    Read,
    /// A line longer than the cap, skipped to its end; the buffer is empty. Holds the
    /// line's length in bytes (without the `\n`).
    TooLong(u64),
}

/// Reads the next line into `buf` (cleared first), keeping at most `cap` bytes of it: a
/// longer line is consumed to its end without being kept.
pub fn read_line(reader: &mut impl BufRead, buf: &mut Vec<u8>, cap: usize) -> io::Result<Line> {
    buf.clear();
    let mut skipped: Option<u64> = None;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(match skipped {
                Some(n) => Line::TooLong(n),
                None if buf.is_empty() => Line::End,
                None => Line::Read,
            });
        }
        let (piece, ends) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let used = piece.len();
        match &mut skipped {
            Some(n) => *n += used as u64,
            None if buf.len() + used > cap => {
                skipped = Some((buf.len() + used) as u64);
                buf.clear();
            }
            None => buf.extend_from_slice(piece),
        }
        reader.consume(used);
        if ends {
            return Ok(match skipped {
                Some(n) => Line::TooLong(n - 1),
                None => Line::Read,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(input: &[u8], cap: usize) -> Vec<(Line, Vec<u8>)> {
        // A tiny buffer, so that lines span many reads.
        let mut reader = io::BufReader::with_capacity(3, input);
        let mut buf = Vec::new();
        let mut out = Vec::new();
        loop {
            let line = read_line(&mut reader, &mut buf, cap).expect("reads");
            if line == Line::End {
                return out;
            }
            out.push((line, buf.clone()));
        }
    }

    #[test]
    fn keeps_short_lines_and_skips_long_ones() {
        let got = all(b"ab\n0123456789\n\ncd", 5);
        assert_eq!(
            got,
            vec![
                (Line::Read, b"ab\n".to_vec()),
                (Line::TooLong(10), Vec::new()),
                (Line::Read, b"\n".to_vec()),
                (Line::Read, b"cd".to_vec()),
            ]
        );
        // The cap counts the newline: a line of exactly `cap` bytes with it is kept.
        assert_eq!(all(b"abcd\n", 5), vec![(Line::Read, b"abcd\n".to_vec())]);
        assert_eq!(all(b"abcdef", 5), vec![(Line::TooLong(6), Vec::new())]);
        assert_eq!(all(b"", 5), Vec::new());
    }
}
