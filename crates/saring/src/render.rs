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

/// The lines of `text` that hold `span` (only the first line of a multi-line span), and the
/// span relative to them. `None` when the span is not in the text.
fn excerpt(text: &str, span: (usize, usize)) -> Option<(usize, &str, std::ops::Range<usize>)> {
    let (mut start, end) = span;
    if start > text.len() {
        return None;
    }
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[line_start..line_end].trim_end_matches('\r');
    let line_no = text[..line_start].matches('\n').count() + 1;
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
    Some((line_no, line, rel_start..rel_end))
}

fn render_diagnostic(d: &Diagnostic, sources: &SourceFiles, renderer: &Renderer) -> String {
    // The underline is always drawn with `^` (annotate-snippets draws warnings with `-`;
    // rustc uses `^` for the primary span of both).
    let level = if d.is_error() {
        Level::Error
    } else {
        Level::Warning
    };
    let location = d.file.as_deref().and_then(|file| {
        let text = sources.files.get(file)?;
        let span = d.span?;
        excerpt(text, span).map(|(line_no, line, range)| (file, line_no, line, range))
    });
    let fallback_origin = match (&d.file, d.line, d.column) {
        (Some(file), Some(line), Some(column)) => format!(" --> {file}:{line}:{column}"),
        _ => String::new(),
    };
    let mut message = level.title(&d.message).id(d.code);
    if let Some(help) = &d.help {
        message = message.footer(Level::Help.title(help));
    }
    match &location {
        Some((file, line_no, line, range)) => {
            message = message.snippet(
                Snippet::source(line)
                    .line_start(*line_no)
                    .origin(file)
                    .annotation(Level::Error.span(range.clone())),
            );
        }
        None => {
            // A place without a span (or without the file's text): name it under the header.
            if !fallback_origin.is_empty() {
                let rendered = renderer.render(message).to_string();
                return match rendered.split_once('\n') {
                    Some((head, rest)) => format!("{head}\n{fallback_origin}\n{rest}"),
                    None => format!("{rendered}\n{fallback_origin}"),
                };
            }
        }
    }
    let rendered = renderer.render(message).to_string();
    rendered
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;

    fn sources(name: &str, text: &str) -> SourceFiles {
        let mut s = SourceFiles::default();
        s.files.insert(name.to_string(), text.to_string());
        s
    }

    #[test]
    fn renders_source_line_caret_and_help() {
        let src = sources("pack.toml", "[[rule]]\nid = \"a\"\nwieght = 10\n");
        let loc = src.locate("pack.toml", (18, 24));
        let d = Diagnostic::error("pack.unknown_key", "unknown key `wieght` in `[[rule]]`")
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
        let d = Diagnostic::warning("pack.no_remedy", "rule `a` has no `remedy`")
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
        let d = Diagnostic::error("cel.type_mismatch", "mismatch").with_help("fix it");
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
        let text = "a = 1\nbé = \"x\ny\"\n";
        let (line, l, r) = excerpt(text, (6, 14)).unwrap_or((0, "", 0..0));
        assert_eq!((line, l, r), (2, "bé = \"x", 0..8));
        let (line, l, r) = excerpt(text, (6, 6)).unwrap_or((0, "", 0..0));
        assert_eq!((line, l, r), (2, "bé = \"x", 0..1));
        assert!(excerpt(text, (100, 100)).is_none());
        // Inside a multi-byte character: moves to its start.
        let (_, _, r) = excerpt(text, (8, 8)).unwrap_or((0, "", 0..0));
        assert_eq!(r, 1..3);
    }

    #[test]
    fn colour_output_contains_escape_codes() {
        let src = sources("pack.toml", "x = 1\n");
        let d = Diagnostic::error("pack.unknown_key", "unknown key `x`")
            .at(&src.locate("pack.toml", (0, 1)));
        assert!(render_all_color(std::slice::from_ref(&d), &src).contains('\u{1b}'));
        assert!(!render_all(&[d], &src).contains('\u{1b}'));
    }
}
