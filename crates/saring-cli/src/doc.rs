//! A small document model (headings, paragraphs, lists, tables, code) rendered both as
//! Markdown and as a self-contained HTML page, so a report is written once.

use std::fmt::Write as _;

use crate::html::{esc, page_end, page_start};

/// One block of a document.
#[derive(Debug, Clone)]
pub enum Block {
    /// A heading (level 1-3).
    Heading(u8, String),
    /// A paragraph of plain text (inline `code` in backticks is kept in both outputs).
    Para(String),
    /// A bulleted list.
    List(Vec<String>),
    /// A table: headers and rows of cells.
    Table(Vec<String>, Vec<Vec<String>>),
    /// Preformatted text (formulas).
    Code(String),
    /// HTML only (charts); left out of Markdown.
    Html(String),
}

/// A document: a title and its blocks.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    /// Title (the page title; the first heading is written by the caller).
    pub title: String,
    /// Blocks in order.
    pub blocks: Vec<Block>,
}

impl Doc {
    /// An empty document.
    pub fn new(title: impl Into<String>) -> Doc {
        Doc {
            title: title.into(),
            blocks: Vec::new(),
        }
    }

    /// Adds a heading.
    pub fn h(&mut self, level: u8, text: impl Into<String>) {
        self.blocks.push(Block::Heading(level, text.into()));
    }

    /// Adds a paragraph.
    pub fn p(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Para(text.into()));
    }

    /// Adds a list.
    pub fn list(&mut self, items: Vec<String>) {
        self.blocks.push(Block::List(items));
    }

    /// Adds a table.
    pub fn table(&mut self, headers: &[&str], rows: Vec<Vec<String>>) {
        self.blocks.push(Block::Table(
            headers.iter().map(|h| h.to_string()).collect(),
            rows,
        ));
    }

    /// Adds preformatted text.
    pub fn code(&mut self, text: impl Into<String>) {
        self.blocks.push(Block::Code(text.into()));
    }

    /// Adds HTML that only the HTML rendering shows.
    pub fn html(&mut self, html: impl Into<String>) {
        self.blocks.push(Block::Html(html.into()));
    }

    /// The document as Markdown (GitHub-flavoured tables).
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        for block in &self.blocks {
            match block {
                Block::Heading(level, text) => {
                    let _ = writeln!(s, "{} {text}\n", "#".repeat(usize::from(*level)));
                }
                Block::Para(text) => {
                    let _ = writeln!(s, "{text}\n");
                }
                Block::List(items) => {
                    for item in items {
                        let _ = writeln!(s, "- {item}");
                    }
                    s.push('\n');
                }
                Block::Table(headers, rows) => {
                    let cell = |c: &str| c.replace('|', "\\|").replace('\n', " ");
                    let _ = writeln!(
                        s,
                        "| {} |",
                        headers
                            .iter()
                            .map(|h| cell(h))
                            .collect::<Vec<_>>()
                            .join(" | ")
                    );
                    let _ = writeln!(s, "|{}", " --- |".repeat(headers.len()));
                    for row in rows {
                        let _ = writeln!(
                            s,
                            "| {} |",
                            row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
                        );
                    }
                    s.push('\n');
                }
                Block::Code(text) => {
                    let _ = writeln!(s, "```text\n{}\n```\n", text.trim_end());
                }
                Block::Html(_) => {}
            }
        }
        s
    }

    /// The document as one self-contained HTML page.
    pub fn html_page(&self) -> String {
        let mut s = String::new();
        page_start(&mut s, &self.title);
        for block in &self.blocks {
            match block {
                Block::Heading(level, text) => {
                    let l = (*level).clamp(1, 4);
                    let _ = writeln!(s, "<h{l}>{}</h{l}>", inline(text));
                }
                Block::Para(text) => {
                    let _ = writeln!(s, "<p>{}</p>", inline(text));
                }
                Block::List(items) => {
                    s.push_str("<ul>");
                    for item in items {
                        let _ = write!(s, "<li>{}</li>", inline(item));
                    }
                    s.push_str("</ul>\n");
                }
                Block::Table(headers, rows) => {
                    s.push_str("<div class=\"scroll\"><table><thead><tr>");
                    for h in headers {
                        let _ = write!(s, "<th>{}</th>", inline(h));
                    }
                    s.push_str("</tr></thead><tbody>");
                    for row in rows {
                        s.push_str("<tr>");
                        for c in row {
                            let _ = write!(s, "<td class=\"text\">{}</td>", inline(c));
                        }
                        s.push_str("</tr>");
                    }
                    s.push_str("</tbody></table></div>\n");
                }
                Block::Code(text) => {
                    let _ = writeln!(s, "<pre><code>{}</code></pre>", esc(text));
                }
                Block::Html(html) => s.push_str(html),
            }
        }
        page_end(&mut s);
        s
    }
}

/// Escapes text for HTML, turning `code` spans and **bold** into elements.
fn inline(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", esc(part));
        } else {
            for (j, piece) in part.split("**").enumerate() {
                if j % 2 == 1 {
                    let _ = write!(out, "<strong>{}</strong>", esc(piece));
                } else {
                    out.push_str(&esc(piece));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_document_two_renderings() {
        let mut d = Doc::new("T");
        d.h(1, "Title");
        d.p("A `field` and **bold** <b>");
        d.list(vec!["one".into()]);
        d.table(&["a", "b|c"], vec![vec!["1".into(), "x|y".into()]]);
        d.code("p = a / b");
        d.html("<svg></svg>");
        assert_eq!(
            d.markdown(),
            "# Title\n\nA `field` and **bold** <b>\n\n- one\n\n| a | b\\|c |\n| --- | --- |\n\
             | 1 | x\\|y |\n\n```text\np = a / b\n```\n\n"
        );
        let html = d.html_page();
        assert!(html.contains("<p>A <code>field</code> and <strong>bold</strong> &lt;b&gt;</p>"));
        assert!(html.contains("<svg></svg>"));
        assert!(html.contains("<pre><code>p = a / b</code></pre>"));
    }
}
