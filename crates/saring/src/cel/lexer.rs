//! CEL lexer (placeholder until the parser lands).
