//! Text → tokens.

use super::error::{RuleError, RuleErrorKind};

/// A place in the rule text: 1-based columns (characters, not bytes), end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub(crate) fn to(self, other: Span) -> Span {
        Span {
            start: self.start,
            end: other.end,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    Int(i64),
    Text(String),
    Ident(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Plus,
    Minus,
    Star,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

/// The longest rule accepted, in characters: rules are read by people.
pub const MAX_RULE_CHARS: usize = 2000;

pub(crate) fn tokens(text: &str) -> Result<Vec<(Token, Span)>, RuleError> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() > MAX_RULE_CHARS {
        let span = Span {
            start: MAX_RULE_CHARS + 1,
            end: chars.len() + 1,
        };
        return Err(RuleError::new(RuleErrorKind::TooLong, span));
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let single = |t: Token| (t, 1);
        let (token, len) = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => single(Token::LParen),
            ')' => single(Token::RParen),
            '[' => single(Token::LBracket),
            ']' => single(Token::RBracket),
            ',' => single(Token::Comma),
            '+' => single(Token::Plus),
            '-' => single(Token::Minus),
            '*' => single(Token::Star),
            '<' if chars.get(i + 1) == Some(&'=') => (Token::Le, 2),
            '<' => single(Token::Lt),
            '>' if chars.get(i + 1) == Some(&'=') => (Token::Ge, 2),
            '>' => single(Token::Gt),
            '=' if chars.get(i + 1) == Some(&'=') => (Token::Eq, 2),
            '=' => single(Token::Eq),
            '!' if chars.get(i + 1) == Some(&'=') => (Token::Ne, 2),
            '"' => text_literal(&chars, i)?,
            c if c.is_ascii_digit() => number(&chars, i)?,
            c if c.is_ascii_alphabetic() || c == '_' => {
                let len = chars[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .count();
                (Token::Ident(chars[i..i + len].iter().collect()), len)
            }
            other => {
                return Err(RuleError::new(
                    RuleErrorKind::UnexpectedCharacter(other),
                    span(start, 1),
                ))
            }
        };
        out.push((token, span(start, len)));
        i += len;
    }
    Ok(out)
}

fn span(start: usize, len: usize) -> Span {
    Span {
        start: start + 1,
        end: start + len + 1,
    }
}

/// `"..."`: no escapes (codes and names need none); a string must close on the same rule.
fn text_literal(chars: &[char], start: usize) -> Result<(Token, usize), RuleError> {
    match chars[start + 1..].iter().position(|c| *c == '"') {
        Some(n) => Ok((
            Token::Text(chars[start + 1..start + 1 + n].iter().collect()),
            n + 2,
        )),
        None => Err(RuleError::new(
            RuleErrorKind::UnclosedText,
            span(start, chars.len() - start),
        )),
    }
}

/// Digits with optional `_` or `.` as thousands separators (`1_500_000`, `1.500.000`).
fn number(chars: &[char], start: usize) -> Result<(Token, usize), RuleError> {
    let len = chars[start..]
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == '_' || **c == '.')
        .count();
    let digits: String = chars[start..start + len]
        .iter()
        .filter(|c| c.is_ascii_digit())
        .collect();
    let text: String = chars[start..start + len].iter().collect();
    let well_grouped = !text.ends_with(['_', '.'])
        && (!text.contains('.') || text.split('.').skip(1).all(|g| g.len() == 3));
    match digits.parse::<i64>() {
        Ok(n) if well_grouped => Ok((Token::Int(n), len)),
        _ => Err(RuleError::new(
            RuleErrorKind::BadNumber(text),
            span(start, len),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_their_columns() {
        let t = tokens(r#"desil <= 4 and sector == "nelayan""#).unwrap();
        assert_eq!(
            t[0],
            (Token::Ident("desil".into()), Span { start: 1, end: 6 })
        );
        assert_eq!(t[1], (Token::Le, Span { start: 7, end: 9 }));
        assert_eq!(t[2], (Token::Int(4), Span { start: 10, end: 11 }));
        assert_eq!(t[5].0, Token::Eq);
        assert_eq!(
            t[6],
            (Token::Text("nelayan".into()), Span { start: 26, end: 35 })
        );
    }

    #[test]
    fn numbers_may_be_grouped_in_thousands() {
        assert_eq!(tokens("1_500_000").unwrap()[0].0, Token::Int(1_500_000));
        assert_eq!(tokens("1.500.000").unwrap()[0].0, Token::Int(1_500_000));
        let err = tokens("x < 1.50").unwrap_err();
        assert_eq!(err.kind, RuleErrorKind::BadNumber("1.50".into()));
        assert_eq!(err.span, Span { start: 5, end: 9 });
    }

    #[test]
    fn bad_characters_and_open_strings_are_placed() {
        let err = tokens("desil ≤ 4").unwrap_err();
        assert_eq!(err.kind, RuleErrorKind::UnexpectedCharacter('≤'));
        assert_eq!(err.span.start, 7, "columns count characters, not bytes");
        let err = tokens(r#"sector == "nelayan"#).unwrap_err();
        assert_eq!(err.kind, RuleErrorKind::UnclosedText);
        assert_eq!(err.span.start, 11);
    }
}
