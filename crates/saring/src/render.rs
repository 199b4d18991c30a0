//! Renders diagnostics like rustc (source line, caret, help), with
//! [annotate-snippets](https://docs.rs/annotate-snippets).
//!
//! ```text
//! error[pack.unknown_key]: unknown key `wieght` in `[[rule]]`
//!  --> pack.toml:12:1
//!   |
//! 12 | wieght = 10
//!   | ^^^^^^
//!   |
//!   = help: did you mean `weight`?
//! ```

use annotate_snippets::{Level, Renderer, Snippet};

use crate::diagnostic::Diagnostic;
use crate::pack::SourceFiles;

/// Renders every diagnostic without colour, separated by blank lines. Deterministic: the
/// output depends only on the diagnostics and the source texts.
pub fn render_all(diagnostics: &[Diagnostic], sources: &SourceFiles) -> String {
    render_with(diagnostics, sources, &Renderer::plain())
}

/// Like [`render_all`], with ANSI colours for a terminal.
pub fn render_all_color(diagnostics: &[Diagnostic], sources: &SourceFiles) -> String {
    render_with(diagnostics, sources, &Renderer::styled())
}

/// Renders one diagnostic without colour (no trailing newline).
pub fn render_one(diagnostic: &Diagnostic, sources: &SourceFiles) -> String {
    render_diagnostic(diagnostic, sources, &Renderer::plain())
}

fn render_with(diagnostics: &[Diagnostic], sources: &SourceFiles, renderer: &Renderer) -> String {
    diagnostics
        .iter()
        .map(|d| render_diagnostic(d, sources, renderer) + "\n")
        .collect::<Vec<_>>()
        .join("\n")
}

/// Longest excerpt of a line shown under a diagnostic, in bytes; longer lines are cut to a
/// window around the span (annotate-snippets' own trimming of long lines can underflow).
const MAX_EXCERPT_BYTES: usize = 120;
/// Characters kept before the span when a line is cut.
const EXCERPT_CONTEXT_CHARS: usize = 40;

/// The part of a line shown under a diagnostic.
struct Excerpt<'s> {
    line_no: usize,
    line: &'s str,
    range: std::ops::Range<usize>,
    /// The line was cut: columns in the excerpt are not the line's columns.
    cut: bool,
}

/// The line of `file` that holds `span` (only the first line of a multi-line span; a window
/// of a long line), and the span relative to it. `None` when the file or the span is not
/// there.
fn excerpt<'s>(sources: &'s SourceFiles, file: &str, span: (usize, usize)) -> Option<Excerpt<'s>> {
    let text = sources.get(file)?;
    let (mut start, end) = span;
    if start > text.len() {
        return None;
    }
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let at = sources.line_at(file, start)?;
    let (mut line_start, mut line_end) = (at.start, at.end);
    let cut = line_end - line_start > MAX_EXCERPT_BYTES;
    if cut {
        line_start = text[line_start..start]
            .char_indices()
            .rev()
            .take(EXCERPT_CONTEXT_CHARS)
            .last()
            .map_or(start, |(i, _)| line_start + i);
        let mut window_end = (line_start + MAX_EXCERPT_BYTES).min(line_end);
        while !text.is_char_boundary(window_end) {
            window_end -= 1;
        }
        line_end = window_end;
    }
    let line = text[line_start..line_end].trim_end_matches('\r');
    let rel_start = start - line_start;
    let mut rel_end = end.clamp(start, line_end).saturating_sub(line_start);
    rel_end = rel_end.min(line.len());
    while !line.is_char_boundary(rel_end) {
        rel_end += 1;
    }
    let rel_start = rel_start.min(line.len());
    if rel_end <= rel_start {
        // An empty span: underline the character at the position, if there is one.
        rel_end = line[rel_start..]
            .chars()
            .next()
            .map_or(rel_start, |c| rel_start + c.len_utf8());
    }
    Some(Excerpt {
        line_no: at.number,
        line,
        range: rel_start..rel_end,
        cut,
    })
}

/// `line` with each control character replaced by one space, and `range` (byte offsets on a
/// character boundary) moved to match.
fn printable(line: &str, range: std::ops::Range<usize>) -> (String, std::ops::Range<usize>) {
    let mut shown = String::with_capacity(line.len());
    let (mut start, mut end) = (range.start, range.end);
    for (at, c) in line.char_indices() {
        if c.is_control() {
            let shrink = c.len_utf8() - 1;
            if at < range.start {
                start -= shrink;
            }
            if at < range.end {
                end -= shrink;
            }
            shown.push(' ');
        } else {
            shown.push(c);
        }
    }
    (shown, start..end)
}

fn render_diagnostic(d: &Diagnostic, sources: &SourceFiles, renderer: &Renderer) -> String {
    // The underline is always drawn with `^` (annotate-snippets draws warnings with `-`;
    // rustc uses `^` for the primary span of both).
    let level = if d.is_error() {
        Level::Error
    } else {
        Level::Warning
    };
    // An empty line has nothing to underline (and the renderer would drop its line number):
    // such a place is named under the header like one without a span.
    let location = d.file.as_deref().and_then(|file| {
        let span = d.span?;
        excerpt(sources, file, span)
            .filter(|excerpt| !excerpt.line.is_empty())
            .map(|excerpt| (file, excerpt))
    });
    let fallback_origin = match (&d.file, d.line, d.column) {
        (Some(file), Some(line), Some(column)) => format!(" --> {file}:{line}:{column}"),
        _ => String::new(),
    };
    let mut message = level
        .title(&d.message)
        .id(d.code.as_str())
        .footer(Level::Help.title(d.help()));
    let mut own_origin = true;
    // Control characters (tabs, form feeds) are shown as one space each: the renderer widens
    // or breaks on them, and its columns would no longer be the line's.
    let shown = location
        .as_ref()
        .map(|(_, excerpt)| printable(excerpt.line, excerpt.range.clone()));
    if let (Some((file, excerpt)), Some((shown_line, shown_range))) = (&location, &shown) {
        let mut snippet = Snippet::source(shown_line)
            .line_start(excerpt.line_no)
            .annotation(Level::Error.span(shown_range.clone()));
        // A cut line would get the column in the window, and a place past the line's last
        // character (its `\r` or end) the column of that character: name the place ourselves.
        if !excerpt.cut && excerpt.range.start < excerpt.line.len() {
            snippet = snippet.origin(file);
            own_origin = false;
        }
        message = message.snippet(snippet);
    }
    let rendered = renderer.render(message).to_string();
    // A place without a span, without the file's text, or on a cut line: name it under the
    // header.
    if own_origin && !fallback_origin.is_empty() {
        return match rendered.split_once('\n') {
            Some((head, rest)) => format!("{head}\n{fallback_origin}\n{rest}"),
            None => format!("{rendered}\n{fallback_origin}"),
        };
    }
    rendered
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Code, Diagnostic};

    fn sources(name: &str, text: &str) -> SourceFiles {
        let mut s = SourceFiles::default();
        s.insert(name, text);
        s
    }

    #[test]
    fn renders_source_line_caret_and_help() {
        let src = sources("pack.toml", "[[rule]]\nid = \"a\"\nwieght = 10\n");
        let loc = src.locate("pack.toml", (18, 24));
        let d = Diagnostic::error(Code::PackUnknownKey, "unknown key `wieght` in `[[rule]]`")
            .with_help("did you mean `weight`?")
            .at(&loc);
        assert_eq!(
            render_all(&[d], &src),
            "error[pack.unknown_key]: unknown key `wieght` in `[[rule]]`\n \
             --> pack.toml:3:1\n  |\n3 | wieght = 10\n  | ^^^^^^\n  |\n  \
             = help: did you mean `weight`?\n"
        );
    }

    #[test]
    fn renders_warning_and_diagnostic_without_span() {
        let src = SourceFiles::default();
        let d = Diagnostic::warning(Code::PackNoRemedy, "rule `a` has no `remedy`")
            .with_help("say what would clear the flag");
        let out = render_all(&[d.clone(), d], &src);
        assert_eq!(
            out,
            "warning[pack.no_remedy]: rule `a` has no `remedy`\n = help: say what would clear the flag\n\n\
             warning[pack.no_remedy]: rule `a` has no `remedy`\n = help: say what would clear the flag\n"
        );
    }

    #[test]
    fn names_the_place_when_the_source_is_not_available() {
        let d = Diagnostic::error(Code::CelTypeMismatch, "mismatch").with_help("fix it");
        let d = Diagnostic {
            file: Some("pack.toml".into()),
            line: Some(4),
            column: Some(8),
            ..d
        };
        assert_eq!(
            render_one(&d, &SourceFiles::default()),
            "error[cel.type_mismatch]: mismatch\n --> pack.toml:4:8\n = help: fix it"
        );
    }

    #[test]
    fn clips_multi_line_and_empty_spans() {
        let text = sources("pack.toml", "a = 1\nbé = \"x\ny\"\n");
        let text = &text;
        let at =
            |span| excerpt(text, "pack.toml", span).map(|e| (e.line_no, e.line, e.range, e.cut));
        assert_eq!(at((6, 14)), Some((2, "bé = \"x", 0..8, false)));
        assert_eq!(at((6, 6)), Some((2, "bé = \"x", 0..1, false)));
        assert!(at((100, 100)).is_none());
        // Inside a multi-byte character: moves to its start.
        assert_eq!(at((8, 8)).map(|e| e.2), Some(1..3));
    }

    #[test]
    fn colour_output_contains_escape_codes() {
        let src = sources("pack.toml", "x = 1\n");
        let d = Diagnostic::error(Code::PackUnknownKey, "unknown key `x`")
            .at(&src.locate("pack.toml", (0, 1)));
        assert!(render_all_color(std::slice::from_ref(&d), &src).contains('\u{1b}'));
        assert!(!render_all(&[d], &src).contains('\u{1b}'));
    }
}

#[cfg(test)]
mod hostile_lines {
    use super::*;
    use crate::diagnostic::Code;

    fn sources(text: &str) -> SourceFiles {
        let mut s = SourceFiles::default();
        s.insert("pack.json", text);
        s
    }

    /// Found by the `pack` fuzz target: a span inside a long run of leading whitespace on
    /// a line wider than the terminal made annotate-snippets subtract with overflow.
    #[test]
    fn spans_in_long_leading_whitespace_of_long_lines_render() {
        for ws in ["\u{c}", " ", "\t"] {
            let text = format!("{}{}\n", ws.repeat(30), "x".repeat(300));
            let src = sources(&text);
            for offset in [0, 5, 29, 30, 31, 200, 330] {
                let d = Diagnostic::error(Code::PackSyntax, "invalid JSON")
                    .at(&src.locate("pack.json", (offset, offset + 1)));
                let out = render_one(&d, &src);
                assert!(out.starts_with("error[pack.syntax]: invalid JSON"), "{out}");
                let origin = format!(" --> pack.json:1:{}\n", offset.min(330) + 1);
                assert!(out.contains(&origin), "{out}");
            }
        }
    }

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let text = format!("{}needle{}\n", "a".repeat(500), "b".repeat(500));
        let src = sources(&text);
        let d =
            Diagnostic::error(Code::PackSyntax, "here").at(&src.locate("pack.json", (500, 506)));
        let out = render_one(&d, &src);
        assert!(out.contains(" --> pack.json:1:501\n"), "{out}");
        let shown = out
            .lines()
            .find(|l| l.contains("needle"))
            .expect("the excerpt shows the span");
        assert!(shown.len() < 200, "{shown}");
        assert!(
            shown.contains(&format!("{}needle", "a".repeat(40))),
            "{shown}"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]

        /// Any line and span render without a panic and name the diagnostic's own place.
        #[test]
        fn any_line_and_span_render(
            text in "([ \t\u{c}\r\u{85}\u{1b}]{0,40}|[a-z]{0,60}|é|字|\n){0,12}",
            start in 0usize..800,
            len in 0usize..50,
        ) {
            let src = sources(&text);
            let d = Diagnostic::error(Code::PackSyntax, "x")
                .at(&src.locate("pack.json", (start, start + len)));
            let out = render_one(&d, &src);
            let origin = format!(" --> pack.json:{}:{}", d.line.unwrap_or(0), d.column.unwrap_or(0));
            proptest::prop_assert!(out.contains(&origin), "{}", out);
        }
    }
}
