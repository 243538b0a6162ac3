//! The `when` expression language of rules: parsed and type-checked once, evaluated per pair.
//!
//! ```text
//! expr  := or
//! or    := and ("or" and)*
//! and   := not ("and" not)*
//! not   := "not" not | cmp
//! cmp   := value (("==" | "!=" | "<" | "<=" | ">" | ">=" | "in") value)?
//! value := number | 'string' | true | false | [value, ...] | path | "(" expr ")"
//! path  := ("person" | "group" | "pair") "." name
//! ```
//!
//! Chains of `and` and of `or` are read in a loop into one node holding every operand, so a long
//! chain nests no deeper than a short one; parentheses, list brackets and `not`s nest, at most
//! [`MAX_EXPR_DEPTH`] deep. Every walk of an expression (type checking, evaluation, its
//! conjuncts and facts) recurses only into nested nodes, so none goes deeper than that.
//!
//! Comparisons with a missing value (an absent optional field) are false, whichever the operator,
//! so a rule never fires on facts nobody gave. A string compared with a vocabulary fact must be
//! one of its values, so a typo is an error when the file is read, not a rule that never fires.

use crate::limits::MAX_EXPR_DEPTH;
use crate::rules::facts::{Fact, FactSource, Type, Value};
use crate::text::closest;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// true / false.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A string.
    Str(String),
    /// A list of literals.
    List(Vec<Literal>),
}

/// A checked expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A literal.
    Lit(Literal),
    /// A fact.
    Fact(Fact),
    /// A comparison.
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    /// Membership: the left value in the right list.
    In(Box<Expr>, Box<Expr>),
    /// Every one (two or more operands, in order).
    And(Vec<Expr>),
    /// Any one (two or more operands, in order).
    Or(Vec<Expr>),
    /// Negation.
    Not(Box<Expr>),
}

/// A parse or type error, at a character column of the expression (1-based).
#[derive(Debug, Clone, PartialEq)]
pub struct ExprError {
    /// 1-based column in the expression text.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(f64),
    Str(String),
    Ident(String),
    Op(&'static str),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
}

fn lex(text: &str) -> Result<Vec<(Token, usize)>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |column: usize, message: String| Err(ExprError { column, message });
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        match c {
            '(' => out.push((Token::LParen, col)),
            ')' => out.push((Token::RParen, col)),
            '[' => out.push((Token::LBracket, col)),
            ']' => out.push((Token::RBracket, col)),
            ',' => out.push((Token::Comma, col)),
            '\'' | '"' => {
                let end = chars[i + 1..].iter().position(|&d| d == c);
                let Some(len) = end else {
                    return err(col, "string is not closed".into());
                };
                out.push((Token::Str(chars[i + 1..i + 1 + len].iter().collect()), col));
                i += len + 2;
                continue;
            }
            '=' | '!' | '<' | '>' => {
                let next = chars.get(i + 1) == Some(&'=');
                let op = match (c, next) {
                    ('=', true) => "==",
                    ('!', true) => "!=",
                    ('<', true) => "<=",
                    ('>', true) => ">=",
                    ('<', false) => "<",
                    ('>', false) => ">",
                    _ => {
                        return err(
                            col,
                            format!("'{c}' is not an operator (use ==, !=, <, <=, >, >=)"),
                        )
                    }
                };
                out.push((Token::Op(op), col));
                i += op.len();
                continue;
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let s: String = chars[start..i].iter().collect();
                match s.parse::<f64>() {
                    Ok(n) => out.push((Token::Num(n), col)),
                    Err(_) => return err(col, format!("'{s}' is not a number")),
                }
                continue;
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
                {
                    i += 1;
                }
                out.push((Token::Ident(chars[start..i].iter().collect()), col));
                continue;
            }
            _ => return err(col, format!("unexpected character '{c}'")),
        }
        i += 1;
    }
    Ok(out)
}

/// An expression before type checking, with the column of each node.
#[derive(Debug, Clone)]
enum Raw {
    Lit(Literal, usize),
    Path(String, usize),
    Cmp(CmpOp, Box<Raw>, Box<Raw>, usize),
    In(Box<Raw>, Box<Raw>, usize),
    And(Vec<Raw>),
    Or(Vec<Raw>),
    Not(Box<Raw>, usize),
}

impl Raw {
    fn column(&self) -> usize {
        match self {
            Raw::Lit(_, c)
            | Raw::Path(_, c)
            | Raw::Cmp(.., c)
            | Raw::In(.., c)
            | Raw::Not(_, c) => *c,
            Raw::And(items) | Raw::Or(items) => items[0].column(),
        }
    }
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    pos: usize,
    end: usize,
    /// How many parentheses, brackets and `not`s enclose the token at `pos`.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn column(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(_, c)| *c)
    }

    fn error<T>(&self, message: impl Into<String>) -> Result<T, ExprError> {
        Err(ExprError {
            column: self.column(),
            message: message.into(),
        })
    }

    fn keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Ident(w)) if w == word) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Enters one level of nesting (at the current token), refusing one past [`MAX_EXPR_DEPTH`].
    fn enter(&mut self) -> Result<(), ExprError> {
        if self.depth == MAX_EXPR_DEPTH {
            return self.error(format!(
                "nested more than {MAX_EXPR_DEPTH} deep (parentheses, brackets and 'not's); \
                 write the condition flatter"
            ));
        }
        self.depth += 1;
        Ok(())
    }

    fn or(&mut self) -> Result<Raw, ExprError> {
        let mut items = vec![self.and()?];
        while self.keyword("or") {
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Raw::Or(items)
        })
    }

    fn and(&mut self) -> Result<Raw, ExprError> {
        let mut items = vec![self.not()?];
        while self.keyword("and") {
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            Raw::And(items)
        })
    }

    fn not(&mut self) -> Result<Raw, ExprError> {
        let column = self.column();
        if self.keyword("not") {
            self.pos -= 1;
            self.enter()?;
            self.pos += 1;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Raw::Not(Box::new(inner), column));
        }
        self.cmp()
    }

    fn cmp(&mut self) -> Result<Raw, ExprError> {
        let left = self.value()?;
        let column = self.column();
        if self.keyword("in") {
            return Ok(Raw::In(Box::new(left), Box::new(self.value()?), column));
        }
        if let Some(Token::Op(op)) = self.peek() {
            let op = match *op {
                "==" => CmpOp::Eq,
                "!=" => CmpOp::Ne,
                "<" => CmpOp::Lt,
                "<=" => CmpOp::Le,
                ">" => CmpOp::Gt,
                _ => CmpOp::Ge,
            };
            self.pos += 1;
            return Ok(Raw::Cmp(
                op,
                Box::new(left),
                Box::new(self.value()?),
                column,
            ));
        }
        Ok(left)
    }

    fn value(&mut self) -> Result<Raw, ExprError> {
        let column = self.column();
        let Some(token) = self.peek().cloned() else {
            return self.error("expression ends too early");
        };
        self.pos += 1;
        match token {
            Token::Num(n) => Ok(Raw::Lit(Literal::Num(n), column)),
            Token::Str(s) => Ok(Raw::Lit(Literal::Str(s), column)),
            Token::Ident(w) if w == "true" || w == "false" => {
                Ok(Raw::Lit(Literal::Bool(w == "true"), column))
            }
            Token::Ident(w) if matches!(w.as_str(), "and" | "or" | "not" | "in") => {
                self.pos -= 1;
                self.error(format!("expected a value before '{w}'"))
            }
            Token::Ident(w) => Ok(Raw::Path(w, column)),
            Token::LParen => {
                self.pos -= 1;
                self.enter()?;
                self.pos += 1;
                let inner = self.or()?;
                if self.peek() != Some(&Token::RParen) {
                    return self.error("expected ')'");
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(inner)
            }
            Token::LBracket => {
                self.pos -= 1;
                self.enter()?;
                self.pos += 1;
                let list = self.list(column);
                self.depth -= 1;
                list
            }
            other => {
                self.pos -= 1;
                self.error(format!("unexpected {}", describe(&other)))
            }
        }
    }

    /// The rest of a list literal, after its `[` at `column`.
    fn list(&mut self, column: usize) -> Result<Raw, ExprError> {
        let mut items = Vec::new();
        if self.peek() == Some(&Token::RBracket) {
            self.pos += 1;
            return Ok(Raw::Lit(Literal::List(items), column));
        }
        loop {
            match self.value()? {
                Raw::Lit(l, _) => items.push(l),
                other => {
                    return Err(ExprError {
                        column: other.column(),
                        message: "list items must be literals".into(),
                    })
                }
            }
            match self.peek() {
                Some(Token::Comma) => self.pos += 1,
                Some(Token::RBracket) => {
                    self.pos += 1;
                    return Ok(Raw::Lit(Literal::List(items), column));
                }
                _ => return self.error("expected ',' or ']' in the list"),
            }
        }
    }
}

fn describe(t: &Token) -> String {
    match t {
        Token::Op(op) => format!("'{op}'"),
        Token::RParen => "')'".into(),
        Token::RBracket => "']'".into(),
        Token::Comma => "','".into(),
        _ => "token".into(),
    }
}

/// Parses and type-checks an expression; it must be boolean.
pub fn compile(text: &str) -> Result<Expr, ExprError> {
    let tokens = lex(text)?;
    let end = text.chars().count() + 1;
    let mut parser = Parser {
        tokens,
        pos: 0,
        end,
        depth: 0,
    };
    let raw = parser.or()?;
    if parser.pos < parser.tokens.len() {
        return parser.error("unexpected text after the expression (missing 'and' or 'or'?)");
    }
    let (expr, ty) = check(&raw)?;
    if ty != Type::Bool {
        return Err(ExprError {
            column: 1,
            message: format!("the condition is {ty}, not true/false"),
        });
    }
    Ok(expr)
}

/// Resolves a path to a fact, suggesting the closest one when unknown.
pub fn resolve(path: &str) -> Result<Fact, String> {
    Fact::named(path).ok_or_else(|| {
        match closest(path, Fact::ALL.iter().map(|f| f.name()), 4) {
            Some(name) => format!("unknown fact '{path}' (did you mean '{name}'?)"),
            None => format!("unknown fact '{path}' (facts start with person., group. or pair.; see `groupmatch rules facts`)"),
        }
    })
}

fn literal_type(l: &Literal) -> Type {
    match l {
        Literal::Bool(_) => Type::Bool,
        Literal::Num(_) => Type::Num,
        Literal::Str(_) => Type::Str,
        Literal::List(_) => Type::List,
    }
}

/// Checks string literals against a fact's vocabulary.
fn check_vocabulary(fact: Fact, literal: &Literal, column: usize) -> Result<(), ExprError> {
    let Some(allowed) = fact.vocabulary() else {
        return Ok(());
    };
    let strings: Vec<&str> = match literal {
        Literal::Str(s) => vec![s.as_str()],
        Literal::List(items) => items
            .iter()
            .filter_map(|i| match i {
                Literal::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    for s in strings {
        if !allowed.contains(&s) {
            let shown = if allowed.len() > 20 {
                "an ISO 639-1 code".to_string()
            } else {
                allowed.join(", ")
            };
            return Err(ExprError {
                column,
                message: format!("'{s}' is not a value of {} (allowed: {shown})", fact.name()),
            });
        }
    }
    Ok(())
}

fn check(raw: &Raw) -> Result<(Expr, Type), ExprError> {
    let err = |column: usize, message: String| Err(ExprError { column, message });
    match raw {
        Raw::Lit(l, column) => {
            if let Literal::List(items) = l {
                if items.iter().any(|i| matches!(i, Literal::List(_))) {
                    return err(*column, "lists cannot hold lists".into());
                }
            }
            Ok((Expr::Lit(l.clone()), literal_type(l)))
        }
        Raw::Path(p, column) => match resolve(p) {
            Ok(f) => Ok((Expr::Fact(f), f.ty())),
            Err(m) => err(*column, m),
        },
        Raw::Not(inner, column) => {
            let (e, t) = check(inner)?;
            if t != Type::Bool {
                return err(*column, format!("'not' needs true/false, got {t}"));
            }
            Ok((Expr::Not(Box::new(e)), Type::Bool))
        }
        Raw::And(items) | Raw::Or(items) => {
            // In the order the nested pairs of a left-to-right chain were checked in, so a chain
            // with several problems reports the same first one as before chains were flat: the
            // first two operands, then their types, then each next operand and its type.
            let mut checked = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                checked.push(check(item)?);
                let typed: &[usize] = match i {
                    0 => &[],
                    1 => &[0, 1],
                    _ => &[i],
                };
                for &j in typed {
                    let t = checked[j].1;
                    if t != Type::Bool {
                        return err(
                            items[j].column(),
                            format!("'and'/'or' need true/false on both sides, got {t}"),
                        );
                    }
                }
            }
            let operands = checked.into_iter().map(|(e, _)| e).collect();
            Ok((
                if matches!(raw, Raw::And(..)) {
                    Expr::And(operands)
                } else {
                    Expr::Or(operands)
                },
                Type::Bool,
            ))
        }
        Raw::Cmp(op, a, b, column) => {
            let (ea, ta) = check(a)?;
            let (eb, tb) = check(b)?;
            if ta != tb {
                return err(*column, format!("cannot compare {ta} with {tb}"));
            }
            if ta == Type::List {
                return err(*column, "lists cannot be compared; use 'in'".into());
            }
            if !matches!(op, CmpOp::Eq | CmpOp::Ne) && ta != Type::Num {
                return err(
                    *column,
                    format!("'<', '<=', '>' and '>=' need numbers, got {ta}"),
                );
            }
            for (fact_side, lit_side, lit_raw) in [(&ea, &eb, b), (&eb, &ea, a)] {
                if let (Expr::Fact(f), Expr::Lit(l)) = (fact_side, lit_side) {
                    check_vocabulary(*f, l, lit_raw.column())?;
                }
            }
            Ok((Expr::Cmp(*op, Box::new(ea), Box::new(eb)), Type::Bool))
        }
        Raw::In(a, b, column) => {
            let (ea, ta) = check(a)?;
            let (eb, tb) = check(b)?;
            if tb != Type::List {
                return err(*column, format!("'in' needs a list on its right, got {tb}"));
            }
            if !matches!(ta, Type::Str | Type::Num) {
                return err(
                    *column,
                    format!("'in' tests a string or a number, got {ta}"),
                );
            }
            if let Expr::Lit(Literal::List(items)) = &eb {
                if items.iter().any(|i| literal_type(i) != ta) {
                    return err(b.column(), format!("every item of the list must be {ta}"));
                }
            }
            match (&ea, &eb) {
                (Expr::Fact(_), Expr::Fact(_)) => {
                    return err(
                        *column,
                        "'in' compares a value with a list; one side must be a literal".into(),
                    )
                }
                (Expr::Lit(l), Expr::Fact(f)) => {
                    if ta != Type::Str {
                        return err(a.column(), format!("{} holds strings", f.name()));
                    }
                    check_vocabulary(*f, l, a.column())?;
                }
                (Expr::Fact(f), Expr::Lit(l)) => check_vocabulary(*f, l, b.column())?,
                _ => {}
            }
            Ok((Expr::In(Box::new(ea), Box::new(eb)), Type::Bool))
        }
    }
}

impl Expr {
    /// Evaluates a boolean expression on a pair (or a person alone).
    pub fn holds<'a>(&'a self, c: &impl FactSource<'a>) -> bool {
        match self {
            Expr::And(items) => items.iter().all(|e| e.holds(c)),
            Expr::Or(items) => items.iter().any(|e| e.holds(c)),
            Expr::Not(a) => !a.holds(c),
            Expr::Cmp(op, a, b) => compare(*op, &a.value(c), &b.value(c)),
            Expr::In(a, b) => member(&a.value(c), b, c),
            Expr::Fact(f) => matches!(c.fact(*f), Value::Bool(true)),
            Expr::Lit(Literal::Bool(b)) => *b,
            Expr::Lit(_) => false,
        }
    }

    /// The value of a leaf, borrowing literals.
    fn value<'a>(&'a self, c: &impl FactSource<'a>) -> Operand<'a> {
        match self {
            Expr::Fact(f) => Operand::Value(c.fact(*f)),
            Expr::Lit(l) => Operand::Lit(l),
            other => Operand::Value(Value::Bool(other.holds(c))),
        }
    }

    /// The parts joined by top-level `and`s (the expression itself when it has none), those of
    /// a parenthesised `and` included.
    pub fn conjuncts(&self) -> Vec<&Expr> {
        let mut out = Vec::new();
        self.collect_conjuncts(&mut out);
        out
    }

    fn collect_conjuncts<'e>(&'e self, out: &mut Vec<&'e Expr>) {
        match self {
            Expr::And(items) => items.iter().for_each(|e| e.collect_conjuncts(out)),
            other => out.push(other),
        }
    }

    /// Whether the expression reads only person facts (so one person decides it for every group).
    pub fn is_person_only(&self) -> bool {
        self.facts().iter().all(|f| f.is_person_fact())
    }

    /// Whether the expression reads group facts and nothing else (so one group decides it for
    /// every person).
    pub fn is_group_only(&self) -> bool {
        let facts = self.facts();
        !facts.is_empty() && facts.iter().all(|f| f.is_group_fact())
    }

    /// Whether the expression reads what is known of a pair itself ([`Fact::reads_pair_facts`]).
    pub fn reads_pair_facts(&self) -> bool {
        self.facts().iter().any(|f| f.reads_pair_facts())
    }

    /// Whether the expression reads the person and the group together but no pair facts (such
    /// as `pair.main_language` or `person.age <= group.max_age`): one person and one group
    /// decide it, as do the person and any group alike in what it reads of groups.
    pub(crate) fn is_person_and_group(&self) -> bool {
        !self.is_person_only() && !self.is_group_only() && !self.reads_pair_facts()
    }

    /// Every fact the expression reads, in order of appearance.
    pub fn facts(&self) -> Vec<Fact> {
        let mut out = Vec::new();
        self.collect_facts(&mut out);
        out
    }

    fn collect_facts(&self, out: &mut Vec<Fact>) {
        match self {
            Expr::Fact(f) => {
                if !out.contains(f) {
                    out.push(*f);
                }
            }
            Expr::Lit(_) => {}
            Expr::Not(a) => a.collect_facts(out),
            Expr::And(items) | Expr::Or(items) => {
                items.iter().for_each(|e| e.collect_facts(out));
            }
            Expr::Cmp(_, a, b) | Expr::In(a, b) => {
                a.collect_facts(out);
                b.collect_facts(out);
            }
        }
    }
}

/// An evaluated operand: a fact's value or a literal.
enum Operand<'a> {
    Value(Value<'a>),
    Lit(&'a Literal),
}

fn compare(op: CmpOp, a: &Operand, b: &Operand) -> bool {
    use std::cmp::Ordering;
    let ordering: Option<Ordering> = match (scalar(a), scalar(b)) {
        (Some(Scalar::Num(x)), Some(Scalar::Num(y))) => x.partial_cmp(&y),
        (Some(Scalar::Str(x)), Some(Scalar::Str(y))) => Some(x.cmp(y)),
        (Some(Scalar::Bool(x)), Some(Scalar::Bool(y))) => Some(x.cmp(&y)),
        _ => None,
    };
    let Some(o) = ordering else {
        return false;
    };
    match op {
        CmpOp::Eq => o == Ordering::Equal,
        CmpOp::Ne => o != Ordering::Equal,
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::Le => o != Ordering::Greater,
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::Ge => o != Ordering::Less,
    }
}

enum Scalar<'a> {
    Num(f64),
    Str(&'a str),
    Bool(bool),
}

fn scalar<'a>(o: &Operand<'a>) -> Option<Scalar<'a>> {
    match o {
        Operand::Value(Value::Num(n)) => Some(Scalar::Num(*n)),
        Operand::Value(Value::Str(s)) => Some(Scalar::Str(s)),
        Operand::Value(Value::Bool(b)) => Some(Scalar::Bool(*b)),
        Operand::Lit(Literal::Num(n)) => Some(Scalar::Num(*n)),
        Operand::Lit(Literal::Str(s)) => Some(Scalar::Str(s)),
        Operand::Lit(Literal::Bool(b)) => Some(Scalar::Bool(*b)),
        _ => None,
    }
}

fn member<'a>(item: &Operand, list: &'a Expr, c: &impl FactSource<'a>) -> bool {
    let Some(item) = scalar(item) else {
        return false;
    };
    match list {
        Expr::Lit(Literal::List(items)) => items.iter().any(|l| match (&item, l) {
            (Scalar::Num(x), Literal::Num(y)) => x == y,
            (Scalar::Str(x), Literal::Str(y)) => *x == y,
            _ => false,
        }),
        Expr::Fact(f) => match (c.fact(*f), item) {
            (Value::List(l), Scalar::Str(s)) => l.contains(s),
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pair::Pair;
    use crate::testutil::{group, now, person};

    fn eval_on(text: &str, p: &crate::Person, g: &crate::Group) -> bool {
        let expr = compile(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        expr.holds(&Pair::at(p, g, now()))
    }

    fn eval(text: &str) -> bool {
        let mut p = person();
        p.needs = vec![crate::Need::CoOccurring];
        p.readiness = Some(7);
        eval_on(text, &p, &group("g1"))
    }

    fn error(text: &str) -> ExprError {
        compile(text).expect_err(text)
    }

    #[test]
    fn each_comparison_operator() {
        assert!(eval("person.readiness == 7"));
        assert!(eval("person.readiness != 6"));
        assert!(eval("person.readiness < 8") && !eval("person.readiness < 7"));
        assert!(eval("person.readiness <= 7") && !eval("person.readiness <= 6"));
        assert!(eval("person.readiness > 6") && !eval("person.readiness > 7"));
        assert!(eval("person.readiness >= 7") && !eval("person.readiness >= 8"));
        assert!(eval("group.approach == 'twelve_step'"));
        assert!(eval("group.orientation != 'secular'"));
        assert!(eval("group.beginner_friendly == false"));
        assert!(eval("pair.distance_km < 0.5"));
        assert!(eval("2 < 3"));
    }

    #[test]
    fn membership_in_literal_lists_and_list_facts() {
        assert!(eval("'co_occurring' in person.needs"));
        assert!(!eval("'trauma' in person.needs"));
        assert!(eval("person.stage in ['first_year', 'sustained']"));
        assert!(!eval("person.stage in ['early']"));
        assert!(eval("person.readiness in [6, 7]"));
        assert!(eval("'en' in group.languages"));
    }

    #[test]
    fn boolean_operators_and_precedence() {
        assert!(eval(
            "person.readiness > 5 and group.approach == 'twelve_step'"
        ));
        assert!(!eval(
            "person.readiness > 9 and group.approach == 'twelve_step'"
        ));
        assert!(eval(
            "person.readiness > 9 or group.approach == 'twelve_step'"
        ));
        assert!(eval("not person.lgbtq"));
        assert!(eval("not (person.readiness > 9 or person.lgbtq)"));
        // `and` binds tighter than `or`.
        assert!(eval("true or false and false"));
        assert!(!eval("(true or false) and false"));
        assert!(eval(
            "pair.sessions_fitting_per_week >= 2 and not pair.orientation_match"
        ));
    }

    #[test]
    fn comparisons_with_missing_values_are_false() {
        let mut p = person();
        p.age = None;
        let g = group("g");
        assert!(!eval_on("person.age < 30", &p, &g));
        assert!(!eval_on("person.age >= 30", &p, &g));
        assert!(!eval_on("person.age != 30", &p, &g));
        assert!(eval_on("not (person.age < 30)", &p, &g));
        assert!(!eval_on("person.social_support == 'low'", &p, &g));
    }

    #[test]
    fn prior_lists_and_pair_facts() {
        let mut p = person();
        p.prior = vec![crate::Prior {
            approach: crate::Approach::TwelveStep,
            outcome: crate::PriorOutcome::Disliked,
        }];
        let g = group("g");
        assert!(eval_on("'twelve_step' in person.prior_disliked", &p, &g));
        assert!(!eval_on("'twelve_step' in person.prior_helped", &p, &g));
        assert!(eval_on("pair.prior_outcome == 'disliked'", &p, &g));
        assert!(eval_on(
            "pair.attendance == 'in_person' and pair.sessions_fitting_per_week == 2",
            &p,
            &g
        ));
    }

    #[test]
    fn type_errors_name_the_column() {
        let e = error("person.stag == 'early'");
        assert_eq!(e.column, 1);
        assert!(
            e.message.contains("did you mean 'person.stage'"),
            "{}",
            e.message
        );
        let e = error("person.stage == 3");
        assert!(
            e.message.contains("cannot compare a string with a number"),
            "{}",
            e.message
        );
        let e = error("person.stage == 'erly'");
        assert_eq!(e.column, 17);
        assert!(e.message.contains("allowed: exploring"), "{}", e.message);
        assert!(error("person.stage < 'early'")
            .message
            .contains("need numbers"));
        assert!(error("person.readiness").message.contains("not true/false"));
        assert!(error("person.readiness and true")
            .message
            .contains("both sides"));
        assert!(error("'x' in person.stage")
            .message
            .contains("needs a list"));
        assert!(error("'hiking' in person.needs")
            .message
            .contains("not a value of person.needs"));
        assert!(error("person.needs == person.needs")
            .message
            .contains("use 'in'"));
        assert!(error("person.stage in [1, 'a']")
            .message
            .contains("every item"));
    }

    #[test]
    fn nesting_past_the_limit_is_an_error_not_a_stack_overflow() {
        let deep = |open: &str, close: &str, n: usize| {
            format!("{}true{}", open.repeat(n), close.repeat(n))
        };
        let e = error(&deep("(", ")", 10_000));
        assert_eq!(e.column, MAX_EXPR_DEPTH + 1);
        assert!(
            e.message.contains("nested more than 64 deep"),
            "{}",
            e.message
        );
        let e = error(&deep("not ", "", 10_000));
        assert_eq!(e.column, 4 * MAX_EXPR_DEPTH + 1);
        assert!(
            e.message.contains("nested more than 64 deep"),
            "{}",
            e.message
        );
        let e = error(&format!("'en' in {}", deep("[", "]", 10_000)));
        assert!(
            e.message.contains("nested more than 64 deep"),
            "{}",
            e.message
        );
        assert!(error(&format!("not (not ({}))", deep("(", ")", 62)))
            .message
            .contains("nested more than"));
        // Up to the limit, nesting is fine.
        assert!(eval(&deep("(", ")", MAX_EXPR_DEPTH)));
        assert!(eval(&deep("not ", "", MAX_EXPR_DEPTH)));
        assert!(!eval(&deep("not ", "", MAX_EXPR_DEPTH - 1)));
    }

    #[test]
    fn long_chains_are_flat_and_evaluated_without_deep_recursion() {
        let n = 200_000;
        let chain = vec!["person.readiness == 7"; n].join(" and ");
        let expr = compile(&chain).unwrap();
        assert!(matches!(&expr, Expr::And(items) if items.len() == n));
        assert_eq!(expr.conjuncts().len(), n);
        assert!(expr.is_person_only());
        assert_eq!(expr.facts(), [Fact::named("person.readiness").unwrap()]);
        assert!(eval(&chain));
        let either = format!("{} or true", vec!["false"; n].join(" or "));
        assert!(eval(&either));
        assert!(!eval(&format!("{either} and false")));
    }

    #[test]
    fn parenthesised_ands_are_conjuncts_too() {
        let expr = compile(
            "(person.lgbtq and group.beginner_friendly) and (pair.distance_km < 5 or true)",
        )
        .unwrap();
        assert_eq!(expr.conjuncts().len(), 3);
    }

    #[test]
    fn a_chain_reports_the_first_problem_in_reading_order() {
        assert!(error("1 and true and group.nme == 'a'")
            .message
            .contains("both sides"));
        assert!(error("true and person.stag == 'a' and 1")
            .message
            .contains("unknown fact"));
        assert_eq!(error("true and true and 3 and person.x").column, 19);
    }

    #[test]
    fn syntax_errors_name_the_column() {
        assert_eq!(
            error("person.readiness > ").message,
            "expression ends too early"
        );
        assert_eq!(error("(true").message, "expected ')'");
        assert_eq!(error("true true").column, 6);
        assert!(error("'open").message.contains("not closed"));
        assert!(error("person.readiness = 3")
            .message
            .contains("not an operator"));
        assert!(error("true and or false")
            .message
            .contains("expected a value"));
        assert!(error("x # y").message.contains("unexpected character"));
    }
}
