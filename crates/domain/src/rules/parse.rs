//! Tokens → syntax tree. Precedence, loosest first: `or`, `and`, `not`, comparisons and `in`, `+ -`, `*`,
//! unary `-`.

use super::error::{RuleError, RuleErrorKind};
use super::lex::{tokens, Span, Token};

/// A node of the syntax tree and where it is in the text.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Int(i64),
    Text(String),
    Bool(bool),
    /// A field of the household, or of the member inside a quantifier.
    Field(String),
    /// `[a, b, c]`, only on the right of `in`.
    List(Vec<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `value in [..]`, or `value not in [..]` when `negated`.
    In {
        value: Box<Expr>,
        list: Box<Expr>,
        negated: bool,
    },
    /// `any(member, cond)`, `all(member, cond)`, `count(member, cond)` or `count(member)`.
    Quantified {
        quantifier: Quantifier,
        condition: Option<Box<Expr>>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    And,
    Or,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    Add,
    Sub,
    Mul,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantifier {
    Any,
    All,
    Count,
}

/// The collection quantifiers range over: the household's members.
pub const MEMBERS: &str = "member";

/// Parses a whole rule.
pub(crate) fn parse(text: &str) -> Result<Expr, RuleError> {
    let tokens = tokens(text)?;
    if tokens.is_empty() {
        return Err(RuleError::new(
            RuleErrorKind::Empty,
            Span { start: 1, end: 1 },
        ));
    }
    let end = text.chars().count() + 1;
    let mut parser = Parser {
        tokens,
        at: 0,
        end: Span { start: end, end },
    };
    let expr = parser.or()?;
    match parser.peek() {
        None => Ok(expr),
        Some((_, span)) => Err(RuleError::new(RuleErrorKind::Trailing, span)),
    }
}

struct Parser {
    tokens: Vec<(Token, Span)>,
    at: usize,
    /// Where "the end of the rule" is, for errors there.
    end: Span,
}

impl Parser {
    fn peek(&self) -> Option<(Token, Span)> {
        self.tokens.get(self.at).cloned()
    }

    fn next(&mut self) -> Option<(Token, Span)> {
        let t = self.peek();
        self.at += usize::from(t.is_some());
        t
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some((Token::Ident(w), _)) if w == word)
    }

    fn expect(&mut self, want: Token, what: &'static str) -> Result<Span, RuleError> {
        match self.next() {
            Some((t, span)) if t == want => Ok(span),
            Some((_, span)) => Err(RuleError::new(RuleErrorKind::Expected(what), span)),
            None => Err(RuleError::new(RuleErrorKind::Expected(what), self.end)),
        }
    }

    fn or(&mut self) -> Result<Expr, RuleError> {
        self.chain("or", BinaryOp::Or, Parser::and)
    }

    fn and(&mut self) -> Result<Expr, RuleError> {
        self.chain("and", BinaryOp::And, Parser::not)
    }

    fn chain(
        &mut self,
        word: &str,
        op: BinaryOp,
        operand: fn(&mut Parser) -> Result<Expr, RuleError>,
    ) -> Result<Expr, RuleError> {
        let mut left = operand(self)?;
        while self.keyword(word) {
            self.next();
            let right = operand(self)?;
            left = binary(op, left, right);
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, RuleError> {
        if self.keyword("not") {
            let (_, start) = self.next().expect("peeked");
            let inner = self.not()?;
            let span = start.to(inner.span);
            return Ok(Expr {
                kind: ExprKind::Not(Box::new(inner)),
                span,
            });
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, RuleError> {
        let left = self.sum()?;
        let op = match self.peek().map(|(t, _)| t) {
            Some(Token::Lt) => BinaryOp::Lt,
            Some(Token::Le) => BinaryOp::Le,
            Some(Token::Gt) => BinaryOp::Gt,
            Some(Token::Ge) => BinaryOp::Ge,
            Some(Token::Eq) => BinaryOp::Eq,
            Some(Token::Ne) => BinaryOp::Ne,
            Some(Token::Ident(w)) if w == "in" => return self.membership(left, false),
            Some(Token::Ident(w))
                if w == "not"
                    && matches!(self.tokens.get(self.at + 1), Some((Token::Ident(n), _)) if n == "in") =>
            {
                self.next();
                return self.membership(left, true);
            }
            _ => return Ok(left),
        };
        self.next();
        let right = self.sum()?;
        Ok(binary(op, left, right))
    }

    fn membership(&mut self, value: Expr, negated: bool) -> Result<Expr, RuleError> {
        self.next(); // `in`
        let list = self.list()?;
        let span = value.span.to(list.span);
        Ok(Expr {
            kind: ExprKind::In {
                value: Box::new(value),
                list: Box::new(list),
                negated,
            },
            span,
        })
    }

    fn list(&mut self) -> Result<Expr, RuleError> {
        let start = self.expect(Token::LBracket, "a list such as [\"a\", \"b\"]")?;
        let mut items = Vec::new();
        if let Some((Token::RBracket, end)) = self.peek() {
            self.next();
            return Ok(Expr {
                kind: ExprKind::List(items),
                span: start.to(end),
            });
        }
        loop {
            items.push(self.unary()?);
            match self.next() {
                Some((Token::Comma, _)) => continue,
                Some((Token::RBracket, end)) => {
                    return Ok(Expr {
                        kind: ExprKind::List(items),
                        span: start.to(end),
                    })
                }
                Some((_, span)) => {
                    return Err(RuleError::new(RuleErrorKind::Expected("',' or ']'"), span))
                }
                None => return Err(RuleError::new(RuleErrorKind::Expected("']'"), self.end)),
            }
        }
    }

    fn sum(&mut self) -> Result<Expr, RuleError> {
        let mut left = self.product()?;
        loop {
            let op = match self.peek().map(|(t, _)| t) {
                Some(Token::Plus) => BinaryOp::Add,
                Some(Token::Minus) => BinaryOp::Sub,
                _ => return Ok(left),
            };
            self.next();
            let right = self.product()?;
            left = binary(op, left, right);
        }
    }

    fn product(&mut self) -> Result<Expr, RuleError> {
        let mut left = self.unary()?;
        while let Some((Token::Star, _)) = self.peek() {
            self.next();
            let right = self.unary()?;
            left = binary(BinaryOp::Mul, left, right);
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, RuleError> {
        if let Some((Token::Minus, start)) = self.peek() {
            self.next();
            let inner = self.unary()?;
            let span = start.to(inner.span);
            return Ok(Expr {
                kind: ExprKind::Neg(Box::new(inner)),
                span,
            });
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, RuleError> {
        let Some((token, span)) = self.next() else {
            return Err(RuleError::new(
                RuleErrorKind::Expected("a value or a field"),
                self.end,
            ));
        };
        let kind = match token {
            Token::Int(n) => ExprKind::Int(n),
            Token::Text(s) => ExprKind::Text(s),
            Token::LParen => {
                let inner = self.or()?;
                let end = self.expect(Token::RParen, "')'")?;
                return Ok(Expr {
                    kind: inner.kind,
                    span: span.to(end),
                });
            }
            Token::LBracket => {
                self.at -= 1;
                return self.list();
            }
            Token::Ident(word) => match word.as_str() {
                "true" => ExprKind::Bool(true),
                "false" => ExprKind::Bool(false),
                "and" | "or" | "not" | "in" => {
                    return Err(RuleError::new(
                        RuleErrorKind::Expected("a value or a field"),
                        span,
                    ))
                }
                "any" | "all" | "count" if matches!(self.peek(), Some((Token::LParen, _))) => {
                    return self.quantified(&word, span)
                }
                _ => ExprKind::Field(word),
            },
            _ => {
                return Err(RuleError::new(
                    RuleErrorKind::Expected("a value or a field"),
                    span,
                ))
            }
        };
        Ok(Expr { kind, span })
    }

    fn quantified(&mut self, word: &str, start: Span) -> Result<Expr, RuleError> {
        let quantifier = match word {
            "any" => Quantifier::Any,
            "all" => Quantifier::All,
            _ => Quantifier::Count,
        };
        self.expect(Token::LParen, "'('")?;
        match self.next() {
            Some((Token::Ident(w), _)) if w == MEMBERS => {}
            Some((_, span)) => return Err(RuleError::new(RuleErrorKind::Expected("member"), span)),
            None => return Err(RuleError::new(RuleErrorKind::Expected("member"), self.end)),
        }
        let condition = match self.next() {
            Some((Token::Comma, _)) => {
                let condition = self.or()?;
                let end = self.expect(Token::RParen, "')'")?;
                return Ok(Expr {
                    kind: ExprKind::Quantified {
                        quantifier,
                        condition: Some(Box::new(condition)),
                    },
                    span: start.to(end),
                });
            }
            Some((Token::RParen, end)) if quantifier == Quantifier::Count => (None, end),
            Some((_, span)) => return Err(RuleError::new(RuleErrorKind::Expected("','"), span)),
            None => return Err(RuleError::new(RuleErrorKind::Expected("','"), self.end)),
        };
        Ok(Expr {
            kind: ExprKind::Quantified {
                quantifier,
                condition: condition.0,
            },
            span: start.to(condition.1),
        })
    }
}

fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
    let span = left.span.to(right.span);
    Expr {
        kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree as a compact string, to compare shapes.
    fn show(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Int(n) => n.to_string(),
            ExprKind::Text(s) => format!("{s:?}"),
            ExprKind::Bool(b) => b.to_string(),
            ExprKind::Field(f) => f.clone(),
            ExprKind::List(items) => {
                format!("[{}]", items.iter().map(show).collect::<Vec<_>>().join(","))
            }
            ExprKind::Not(inner) => format!("(not {})", show(inner)),
            ExprKind::Neg(inner) => format!("(-{})", show(inner)),
            ExprKind::Binary(op, l, r) => format!("({} {} {})", show(l), op.symbol(), show(r)),
            ExprKind::In {
                value,
                list,
                negated,
            } => {
                format!(
                    "({} {}in {})",
                    show(value),
                    if *negated { "not " } else { "" },
                    show(list)
                )
            }
            ExprKind::Quantified {
                quantifier,
                condition,
            } => format!(
                "{quantifier:?}({})",
                condition.as_deref().map(show).unwrap_or_default()
            ),
        }
    }

    #[test]
    fn precedence_is_or_and_not_comparison_arithmetic() {
        let e = parse("a or b and not c < 1 + 2 * 3").unwrap();
        assert_eq!(show(&e), "(a or (b and (not (c < (1 + (2 * 3))))))");
        let e = parse("(a or b) and c").unwrap();
        assert_eq!(show(&e), "((a or b) and c)");
    }

    #[test]
    fn quantifiers_and_lists_parse() {
        let e =
            parse(r#"desil <= 4 and any(member, age < 6) and sector not in ["nelayan", "kukm"]"#)
                .unwrap();
        assert_eq!(
            show(&e),
            r#"(((desil <= 4) and Any((age < 6))) and (sector not in ["nelayan","kukm"]))"#
        );
        assert_eq!(
            show(&parse("count(member) >= 7").unwrap()),
            "(Count() >= 7)"
        );
    }

    #[test]
    fn spans_cover_the_whole_node() {
        let e = parse("size >= 7 and any(member, disability)").unwrap();
        let ExprKind::Binary(_, left, right) = &e.kind else {
            panic!()
        };
        assert_eq!(left.span, Span { start: 1, end: 10 });
        assert_eq!(right.span, Span { start: 15, end: 38 });
        assert_eq!(e.span, Span { start: 1, end: 38 });
    }

    #[test]
    fn errors_point_at_the_problem() {
        let err = parse("desil <= ").unwrap_err();
        assert_eq!(err.kind, RuleErrorKind::Expected("a value or a field"));
        assert_eq!(err.span.start, 10);
        let err = parse("desil <= 4 4").unwrap_err();
        assert_eq!(err.kind, RuleErrorKind::Trailing);
        assert_eq!(err.span.start, 12);
        let err = parse("any(household, size > 2)").unwrap_err();
        assert_eq!(err.kind, RuleErrorKind::Expected("member"));
        assert_eq!(err.span.start, 5);
        let err = parse("any(member)").unwrap_err();
        assert_eq!(err.kind, RuleErrorKind::Expected("','"));
        let err = parse("(desil < 3").unwrap_err();
        assert_eq!(err.kind, RuleErrorKind::Expected("')'"));
        assert_eq!(parse("   ").unwrap_err().kind, RuleErrorKind::Empty);
    }
}
