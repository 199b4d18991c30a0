//! CEL lexer: turns expression source into tokens, each with a byte span.
//!
//! Follows the lexical grammar of the CEL language definition (github.com/google/cel-spec,
//! `doc/langdef.md`): identifiers, keywords, int/uint/double literals, single-, double- and
//! triple-quoted strings with all escapes, raw strings, bytes literals, backtick-quoted
//! field names, `//` comments and whitespace (`[ \t\n\r\f]`). String and bytes literals are
//! decoded here, so the parser receives their values.

use crate::cel::ast::Span;
use crate::cel::parser::ParseError;
use crate::diagnostic::Code;

/// The kinds of CEL token. Literals carry their decoded value.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// An identifier (`[_a-zA-Z][_a-zA-Z0-9]*`), reserved words included; its text is the
    /// token's span in the source.
    Ident,
    /// A backtick-quoted field name (`` `content-type` ``), with the backticks removed.
    QuotedIdent(String),
    /// An integer literal's magnitude (decimal or `0x` hex); the parser checks its range,
    /// which depends on whether it is negated.
    Int(u64),
    /// An unsigned integer literal (`42u`).
    Uint(u64),
    /// A floating-point literal (`1.5`, `.5`, `1e3`).
    Double(f64),
    /// A string literal, decoded.
    String(String),
    /// A bytes literal, decoded.
    Bytes(Vec<u8>),
    /// `true`
    True,
    /// `false`
    False,
    /// `null`
    Null,
    /// `in`
    In,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `.`
    Dot,
    /// `,`
    Comma,
    /// `:`
    Colon,
    /// `?`
    Question,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `%`
    Percent,
    /// `!`
    Bang,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `==`
    EqEq,
    /// `!=`
    Ne,
    /// `&&`
    AndAnd,
    /// `||`
    OrOr,
    /// The end of the source.
    Eof,
}

/// A token and where it is in the source.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What the token is.
    pub kind: TokenKind,
    /// Its bytes in the source.
    pub span: Span,
}

/// Words reserved by CEL: they cannot name variables or global functions, but may be used
/// as field names (`m.as`), method names (`a.break()`) and message field initialisers.
pub const RESERVED_WORDS: &[&str] = &[
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// Whether `word` is one of CEL's [`RESERVED_WORDS`].
pub fn is_reserved(word: &str) -> bool {
    RESERVED_WORDS.contains(&word)
}

/// Whether `word` is a CEL keyword token (`true`, `false`, `null`, `in`): never an
/// identifier, not even after a dot.
pub fn is_keyword(word: &str) -> bool {
    matches!(word, "true" | "false" | "null" | "in")
}

/// Whether `text` is a plain CEL identifier (`[_a-zA-Z][_a-zA-Z0-9]*`, keywords excluded).
pub fn is_identifier(text: &str) -> bool {
    let mut bytes = text.bytes();
    match bytes.next() {
        Some(b) if b == b'_' || b.is_ascii_alphabetic() => {}
        _ => return false,
    }
    bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric()) && !is_keyword(text)
}

/// Whether `c` may appear inside a backtick-quoted field name.
pub fn is_quoted_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-' | '/' | ' ')
}

/// Splits CEL source into tokens on demand.
#[derive(Debug, Clone)]
pub struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

fn syntax(message: String, start: usize, end: usize) -> ParseError {
    ParseError::new(Code::CelSyntax, Span::new(start, end), message, None)
}

/// Which literal family a quoted literal belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoted {
    Str,
    Bytes,
}

/// Decoded content of a quoted literal: text for strings, raw bytes for bytes literals.
struct Sink {
    kind: Quoted,
    bytes: Vec<u8>,
}

impl Sink {
    fn push_char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.bytes
            .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `src`.
    pub fn new(src: &'a str) -> Lexer<'a> {
        Lexer { src, pos: 0 }
    }

    fn peek_byte(&self, ahead: usize) -> Option<u8> {
        self.src.as_bytes().get(self.pos + ahead).copied()
    }

    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn skip_trivia(&mut self) {
        loop {
            match self.peek_byte(0) {
                Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') => self.pos += 1,
                Some(b'/') if self.peek_byte(1) == Some(b'/') => {
                    while let Some(b) = self.peek_byte(0) {
                        self.pos += 1;
                        if b == b'\n' {
                            break;
                        }
                    }
                }
                _ => return,
            }
        }
    }

    /// The next token; [`TokenKind::Eof`] (repeatedly) at the end of the source.
    pub fn next_token(&mut self) -> Result<Token, ParseError> {
        self.skip_trivia();
        let start = self.pos;
        let Some(b) = self.peek_byte(0) else {
            return Ok(Token {
                kind: TokenKind::Eof,
                span: Span::new(start, start),
            });
        };
        let kind = match b {
            b'0'..=b'9' => return self.number(start),
            b'.' if self.peek_byte(1).is_some_and(|d| d.is_ascii_digit()) => {
                return self.number(start)
            }
            b'"' | b'\'' => return self.quoted(start, false, Quoted::Str),
            b'`' => return self.backtick(start),
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                if let Some(tok) = self.prefixed_literal(start)? {
                    return Ok(tok);
                }
                return Ok(self.word(start));
            }
            _ => self.punct(start)?,
        };
        Ok(Token {
            kind,
            span: Span::new(start, self.pos),
        })
    }

    fn punct(&mut self, start: usize) -> Result<TokenKind, ParseError> {
        let b = self.peek_byte(0).unwrap_or(0);
        let next = self.peek_byte(1);
        let (kind, len) = match (b, next) {
            (b'(', _) => (TokenKind::LParen, 1),
            (b')', _) => (TokenKind::RParen, 1),
            (b'[', _) => (TokenKind::LBracket, 1),
            (b']', _) => (TokenKind::RBracket, 1),
            (b'{', _) => (TokenKind::LBrace, 1),
            (b'}', _) => (TokenKind::RBrace, 1),
            (b'.', _) => (TokenKind::Dot, 1),
            (b',', _) => (TokenKind::Comma, 1),
            (b':', _) => (TokenKind::Colon, 1),
            (b'?', _) => (TokenKind::Question, 1),
            (b'+', _) => (TokenKind::Plus, 1),
            (b'-', _) => (TokenKind::Minus, 1),
            (b'*', _) => (TokenKind::Star, 1),
            (b'/', _) => (TokenKind::Slash, 1),
            (b'%', _) => (TokenKind::Percent, 1),
            (b'!', Some(b'=')) => (TokenKind::Ne, 2),
            (b'!', _) => (TokenKind::Bang, 1),
            (b'<', Some(b'=')) => (TokenKind::Le, 2),
            (b'<', _) => (TokenKind::Lt, 1),
            (b'>', Some(b'=')) => (TokenKind::Ge, 2),
            (b'>', _) => (TokenKind::Gt, 1),
            (b'=', Some(b'=')) => (TokenKind::EqEq, 2),
            (b'&', Some(b'&')) => (TokenKind::AndAnd, 2),
            (b'|', Some(b'|')) => (TokenKind::OrOr, 2),
            _ => {
                let c = self.rest().chars().next().unwrap_or('\u{fffd}');
                let end = start + c.len_utf8();
                let shown: String = c.escape_debug().collect();
                let message = match c {
                    '=' => "unexpected character `=`, did you mean `==`?".to_string(),
                    '&' => "unexpected character `&`, did you mean `&&`?".to_string(),
                    '|' => "unexpected character `|`, did you mean `||`?".to_string(),
                    _ => format!("unexpected character `{shown}`"),
                };
                return Err(syntax(message, start, end));
            }
        };
        self.pos += len;
        Ok(kind)
    }

    fn word(&mut self, start: usize) -> Token {
        while self
            .peek_byte(0)
            .is_some_and(|b| b == b'_' || b.is_ascii_alphanumeric())
        {
            self.pos += 1;
        }
        let kind = match &self.src[start..self.pos] {
            "true" => TokenKind::True,
            "false" => TokenKind::False,
            "null" => TokenKind::Null,
            "in" => TokenKind::In,
            _ => TokenKind::Ident,
        };
        Token {
            kind,
            span: Span::new(start, self.pos),
        }
    }

    /// `r"..."`, `b'...'`, `br"""..."""` and friends; `None` when the word is not such a
    /// prefix followed by a quote.
    fn prefixed_literal(&mut self, start: usize) -> Result<Option<Token>, ParseError> {
        let bytes = self.rest().as_bytes();
        let mut raw = false;
        let mut is_bytes = false;
        let mut i = 0;
        while i < 2 {
            match bytes.get(i) {
                Some(b'r' | b'R') if !raw => raw = true,
                Some(b'b' | b'B') if !is_bytes => is_bytes = true,
                _ => break,
            }
            i += 1;
        }
        if i == 0 || !matches!(bytes.get(i), Some(b'"' | b'\'')) {
            return Ok(None);
        }
        self.pos += i;
        let kind = if is_bytes { Quoted::Bytes } else { Quoted::Str };
        self.quoted(start, raw, kind).map(Some)
    }

    fn backtick(&mut self, start: usize) -> Result<Token, ParseError> {
        self.pos += 1;
        let body_start = self.pos;
        loop {
            match self.rest().chars().next() {
                Some('`') => break,
                Some(c) if is_quoted_ident_char(c) => self.pos += 1,
                Some(c) => {
                    let shown: String = c.escape_debug().collect();
                    return Err(syntax(
                        format!("character `{shown}` is not allowed in a quoted identifier"),
                        self.pos,
                        self.pos + c.len_utf8(),
                    ));
                }
                None => {
                    return Err(syntax(
                        "unterminated quoted identifier".to_string(),
                        start,
                        self.pos,
                    ))
                }
            }
        }
        let name = self.src[body_start..self.pos].to_string();
        self.pos += 1;
        if name.is_empty() {
            return Err(syntax(
                "empty quoted identifier".to_string(),
                start,
                self.pos,
            ));
        }
        Ok(Token {
            kind: TokenKind::QuotedIdent(name),
            span: Span::new(start, self.pos),
        })
    }

    fn digits(&mut self, hex: bool) -> usize {
        let from = self.pos;
        while self.peek_byte(0).is_some_and(|b| {
            if hex {
                b.is_ascii_hexdigit()
            } else {
                b.is_ascii_digit()
            }
        }) {
            self.pos += 1;
        }
        self.pos - from
    }

    fn number(&mut self, start: usize) -> Result<Token, ParseError> {
        let tok = |kind, end| Token {
            kind,
            span: Span::new(start, end),
        };
        if self.peek_byte(0) == Some(b'0') && matches!(self.peek_byte(1), Some(b'x' | b'X')) {
            self.pos += 2;
            let digits_start = self.pos;
            if self.digits(true) == 0 {
                return Err(syntax(
                    "hexadecimal literal needs digits after `0x`".to_string(),
                    start,
                    self.pos,
                ));
            }
            let text = &self.src[digits_start..self.pos];
            let value = u64::from_str_radix(text, 16).map_err(|_| {
                syntax(
                    format!(
                        "integer literal `{}` is out of range",
                        &self.src[start..self.pos]
                    ),
                    start,
                    self.pos,
                )
            })?;
            if matches!(self.peek_byte(0), Some(b'u' | b'U')) {
                self.pos += 1;
                return Ok(tok(TokenKind::Uint(value), self.pos));
            }
            return Ok(tok(TokenKind::Int(value), self.pos));
        }
        self.digits(false);
        let mut is_double = false;
        if self.peek_byte(0) == Some(b'.') && self.peek_byte(1).is_some_and(|d| d.is_ascii_digit())
        {
            self.pos += 1;
            self.digits(false);
            is_double = true;
        }
        if matches!(self.peek_byte(0), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(self.peek_byte(1), Some(b'+' | b'-')));
            if self.peek_byte(1 + sign).is_some_and(|d| d.is_ascii_digit()) {
                self.pos += 1 + sign;
                self.digits(false);
                is_double = true;
            }
        }
        let text = &self.src[start..self.pos];
        if is_double {
            let value: f64 = text
                .parse()
                .map_err(|_| syntax(format!("invalid double literal `{text}`"), start, self.pos))?;
            if !value.is_finite() {
                return Err(syntax(
                    format!("double literal `{text}` is out of range"),
                    start,
                    self.pos,
                ));
            }
            return Ok(tok(TokenKind::Double(value), self.pos));
        }
        let value: u64 = text.parse().map_err(|_| {
            syntax(
                format!("integer literal `{text}` is out of range"),
                start,
                self.pos,
            )
        })?;
        if matches!(self.peek_byte(0), Some(b'u' | b'U')) {
            self.pos += 1;
            return Ok(tok(TokenKind::Uint(value), self.pos));
        }
        Ok(tok(TokenKind::Int(value), self.pos))
    }

    /// A quoted literal starting at the opening quote (`self.pos`); `start` is where its
    /// prefix began.
    fn quoted(&mut self, start: usize, raw: bool, kind: Quoted) -> Result<Token, ParseError> {
        let quote = self.peek_byte(0).unwrap_or(b'"');
        let triple = self.peek_byte(1) == Some(quote) && self.peek_byte(2) == Some(quote);
        self.pos += if triple { 3 } else { 1 };
        let mut sink = Sink {
            kind,
            bytes: Vec::new(),
        };
        loop {
            let Some(c) = self.rest().chars().next() else {
                return Err(syntax(
                    "unterminated string literal".to_string(),
                    start,
                    self.pos,
                ));
            };
            if c as u32 == u32::from(quote) {
                if !triple {
                    self.pos += 1;
                    break;
                }
                if self.peek_byte(1) == Some(quote) && self.peek_byte(2) == Some(quote) {
                    self.pos += 3;
                    break;
                }
            }
            if !triple && (c == '\n' || c == '\r') {
                return Err(syntax(
                    "unterminated string literal (use a triple-quoted string for several lines)"
                        .to_string(),
                    start,
                    self.pos,
                ));
            }
            if c == '\\' && !raw {
                self.escape(&mut sink)?;
                continue;
            }
            self.pos += c.len_utf8();
            sink.push_char(c);
        }
        let span = Span::new(start, self.pos);
        let kind = match kind {
            Quoted::Bytes => TokenKind::Bytes(sink.bytes),
            // Only whole chars and valid scalar values are pushed for strings.
            Quoted::Str => match String::from_utf8(sink.bytes) {
                Ok(s) => TokenKind::String(s),
                Err(_) => {
                    return Err(syntax(
                        "invalid text in string literal".to_string(),
                        start,
                        self.pos,
                    ))
                }
            },
        };
        Ok(Token { kind, span })
    }

    fn hex_value(&mut self, esc_start: usize, count: usize) -> Result<u32, ParseError> {
        let found = self
            .rest()
            .bytes()
            .take(count)
            .take_while(u8::is_ascii_hexdigit)
            .count();
        if found != count {
            return Err(syntax(
                format!("escape sequence needs {count} hexadecimal digits"),
                esc_start,
                self.pos + found,
            ));
        }
        let text = &self.src[self.pos..self.pos + count];
        self.pos += count;
        u32::from_str_radix(text, 16).map_err(|_| syntax("bad escape".into(), esc_start, self.pos))
    }

    /// Decodes one escape sequence at `self.pos` (a backslash).
    fn escape(&mut self, sink: &mut Sink) -> Result<(), ParseError> {
        let esc_start = self.pos;
        self.pos += 1;
        let Some(c) = self.rest().chars().next() else {
            return Err(syntax(
                "unterminated string literal".to_string(),
                esc_start,
                self.pos,
            ));
        };
        self.pos += c.len_utf8();
        let simple = match c {
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'f' => Some('\x0c'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0b'),
            '\\' | '\'' | '"' | '`' | '?' => Some(c),
            _ => None,
        };
        if let Some(ch) = simple {
            sink.push_char(ch);
            return Ok(());
        }
        // Byte-valued escapes: a code point below 256 in strings, a raw byte in bytes.
        let byte_value = match c {
            '0'..='3' => {
                let text = self.src.get(self.pos..self.pos + 2).unwrap_or("");
                if text.len() != 2 || !text.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
                    return Err(syntax(
                        "octal escape needs three octal digits (`\\000` to `\\377`)".to_string(),
                        esc_start,
                        self.pos,
                    ));
                }
                self.pos += 2;
                let value = text.bytes().fold(u32::from(c as u8 - b'0'), |acc, d| {
                    acc * 8 + u32::from(d - b'0')
                });
                Some(value)
            }
            'x' | 'X' => Some(self.hex_value(esc_start, 2)?),
            _ => None,
        };
        if let Some(value) = byte_value {
            match sink.kind {
                Quoted::Bytes => sink.bytes.push(value as u8),
                Quoted::Str => sink.push_char(char::from_u32(value).unwrap_or('\u{fffd}')),
            }
            return Ok(());
        }
        let code = match c {
            'u' => self.hex_value(esc_start, 4)?,
            'U' => self.hex_value(esc_start, 8)?,
            _ => {
                let shown: String = c.escape_debug().collect();
                return Err(syntax(
                    format!("invalid escape sequence `\\{shown}`"),
                    esc_start,
                    self.pos,
                ));
            }
        };
        let Some(ch) = char::from_u32(code) else {
            return Err(syntax(
                format!(
                    "escape sequence `{}` is not a valid unicode code point",
                    &self.src[esc_start..self.pos]
                ),
                esc_start,
                self.pos,
            ));
        };
        sink.push_char(ch);
        Ok(())
    }
}

/// Splits the whole of `src` into tokens, the final [`TokenKind::Eof`] included.
#[cfg(test)]
pub fn tokenize(src: &str) -> Result<Vec<Token>, ParseError> {
    let mut lexer = Lexer::new(src);
    let mut out = Vec::new();
    loop {
        let tok = lexer.next_token()?;
        let end = tok.kind == TokenKind::Eof;
        out.push(tok);
        if end {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        match tokenize(src) {
            Ok(toks) => toks.into_iter().map(|t| t.kind).collect(),
            Err(e) => panic!("lex error for {src:?}: {e:?}"),
        }
    }

    fn one(src: &str) -> TokenKind {
        let mut k = kinds(src);
        assert_eq!(k.len(), 2, "{src:?} gave {k:?}");
        k.remove(0)
    }

    fn err(src: &str) -> ParseError {
        match tokenize(src) {
            Ok(t) => panic!("expected a lex error for {src:?}, got {t:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn punctuation_and_operators() {
        use TokenKind::*;
        assert_eq!(
            kinds("( ) [ ] { } . , : ? + - * / % ! < <= > >= == != && || in"),
            vec![
                LParen, RParen, LBracket, RBracket, LBrace, RBrace, Dot, Comma, Colon, Question,
                Plus, Minus, Star, Slash, Percent, Bang, Lt, Le, Gt, Ge, EqEq, Ne, AndAnd, OrOr,
                In, Eof
            ]
        );
    }

    #[test]
    fn spans_are_byte_ranges() {
        let toks = tokenize("ab  >= 'é'").unwrap_or_default();
        let spans: Vec<(u32, u32)> = toks.iter().map(|t| (t.span.start, t.span.end)).collect();
        assert_eq!(spans, vec![(0, 2), (4, 6), (7, 11), (11, 11)]);
    }

    #[test]
    fn identifiers_and_keywords() {
        use TokenKind::*;
        assert_eq!(
            kinds("_a1 true false null as"),
            vec![Ident, True, False, Null, Ident, Eof]
        );
        assert!(is_reserved("while"));
        assert!(!is_reserved("size"));
        assert!(is_identifier("a_1"));
        assert!(!is_identifier("1a"));
        assert!(!is_identifier("in"));
    }

    #[test]
    fn numbers() {
        assert_eq!(one("42"), TokenKind::Int(42));
        assert_eq!(one("0x2A"), TokenKind::Int(42));
        assert_eq!(one("0XfF"), TokenKind::Int(255));
        assert_eq!(one("42u"), TokenKind::Uint(42));
        assert_eq!(one("0x10U"), TokenKind::Uint(16));
        assert_eq!(one("18446744073709551615u"), TokenKind::Uint(u64::MAX));
        assert_eq!(one("9223372036854775808"), TokenKind::Int(1 << 63));
        assert_eq!(one("1.5"), TokenKind::Double(1.5));
        assert_eq!(one(".5"), TokenKind::Double(0.5));
        assert_eq!(one("1e3"), TokenKind::Double(1000.0));
        assert_eq!(one("2.5E-1"), TokenKind::Double(0.25));
        assert_eq!(one("1e+2"), TokenKind::Double(100.0));
        // `1.` is not a double in CEL: it is the int 1 followed by a dot.
        assert_eq!(
            kinds("1.e"),
            vec![
                TokenKind::Int(1),
                TokenKind::Dot,
                TokenKind::Ident,
                TokenKind::Eof
            ]
        );
        assert_eq!(
            kinds("42.size"),
            vec![
                TokenKind::Int(42),
                TokenKind::Dot,
                TokenKind::Ident,
                TokenKind::Eof
            ]
        );
    }

    #[test]
    fn number_errors() {
        let e = err("18446744073709551616");
        assert_eq!(e.code, Code::CelSyntax);
        assert_eq!(
            e.message,
            "integer literal `18446744073709551616` is out of range"
        );
        assert_eq!(e.span, Span::new(0, 20));
        assert_eq!(
            err("0x").message,
            "hexadecimal literal needs digits after `0x`"
        );
        assert_eq!(
            err("1e999").message,
            "double literal `1e999` is out of range"
        );
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(one(r#""hi""#), TokenKind::String("hi".into()));
        assert_eq!(one("'hi'"), TokenKind::String("hi".into()));
        assert_eq!(
            one(r#"'\a\b\f\n\r\t\v\\\'\"\`\?'"#),
            TokenKind::String("\x07\x08\x0c\n\r\t\x0b\\'\"`?".into())
        );
        assert_eq!(
            one(r"'\101\x42\X43\u00e9\U0001F62C'"),
            TokenKind::String("ABCé😬".into())
        );
        assert_eq!(one(r"'\377'"), TokenKind::String("\u{ff}".into()));
        assert_eq!(one("'''a\n'b''c'''"), TokenKind::String("a\n'b''c".into()));
        assert_eq!(one(r#""""x"y""""#), TokenKind::String("x\"y".into()));
        assert_eq!(one(r#"r"\n\x""#), TokenKind::String(r"\n\x".into()));
        assert_eq!(one(r"R'\'"), TokenKind::String(r"\".into()));
        assert_eq!(one(r"r'''a\'''"), TokenKind::String(r"a\".into()));
        assert_eq!(one("'é'"), TokenKind::String("é".into()));
    }

    #[test]
    fn bytes_literals() {
        assert_eq!(one("b'abc'"), TokenKind::Bytes(b"abc".to_vec()));
        assert_eq!(
            one(r"B'\377\xff\u00e9\n'"),
            TokenKind::Bytes(vec![0xff, 0xff, 0xc3, 0xa9, b'\n'])
        );
        assert_eq!(one("b'é'"), TokenKind::Bytes(vec![0xc3, 0xa9]));
        assert_eq!(one(r"br'\x'"), TokenKind::Bytes(br"\x".to_vec()));
        assert_eq!(one(r"Rb'\n'"), TokenKind::Bytes(br"\n".to_vec()));
        assert_eq!(one(r#"b"""a"b""""#), TokenKind::Bytes(b"a\"b".to_vec()));
        // `bb'x'` is the identifier `bb` followed by a string.
        assert_eq!(
            kinds("bb'x'"),
            vec![
                TokenKind::Ident,
                TokenKind::String("x".into()),
                TokenKind::Eof
            ]
        );
    }

    #[test]
    fn string_errors() {
        let e = err("'abc");
        assert_eq!(e.message, "unterminated string literal");
        assert_eq!(e.span, Span::new(0, 4));
        assert!(err("'a\nb'")
            .message
            .starts_with("unterminated string literal"));
        assert_eq!(err(r"'\q'").message, "invalid escape sequence `\\q`");
        assert_eq!(err(r"'\q'").span, Span::new(1, 3));
        assert_eq!(
            err(r"'\uD800'").message,
            "escape sequence `\\uD800` is not a valid unicode code point"
        );
        assert_eq!(
            err(r"'\U00110000'").message,
            "escape sequence `\\U00110000` is not a valid unicode code point"
        );
        assert_eq!(
            err(r"'\x4'").message,
            "escape sequence needs 2 hexadecimal digits"
        );
        assert_eq!(err(r"'\400'").message, "invalid escape sequence `\\4`");
        assert!(err(r"'\12'")
            .message
            .starts_with("octal escape needs three"));
        assert_eq!(err(r"'\u12é'").span, Span::new(1, 5));
    }

    #[test]
    fn comments_whitespace_quoted_idents() {
        assert_eq!(
            kinds("a // c\n\t\r\x0c b //"),
            vec![TokenKind::Ident, TokenKind::Ident, TokenKind::Eof]
        );
        assert_eq!(
            one("`a-b.c/d e`"),
            TokenKind::QuotedIdent("a-b.c/d e".into())
        );
        assert_eq!(
            err("`a+b`").message,
            "character `+` is not allowed in a quoted identifier"
        );
        assert_eq!(err("``").message, "empty quoted identifier");
    }

    #[test]
    fn bad_characters() {
        let e = err("a # b");
        assert_eq!(e.message, "unexpected character `#`");
        assert_eq!(e.span, Span::new(2, 3));
        assert_eq!(err("é").span, Span::new(0, 2));
        assert_eq!(
            err("a = b").message,
            "unexpected character `=`, did you mean `==`?"
        );
        assert_eq!(
            err("a & b").message,
            "unexpected character `&`, did you mean `&&`?"
        );
    }
}
