//! The formula language: tokens, parser, and the compiled counts and ratios.

use super::*;

/// A condition: the field takes one of the values. Compiled to the field's index and
/// a bit mask of value codes, so that matching a fact is two machine operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub field: &'static str,
    pub values: Vec<String>,
    index: usize,
    mask: u64,
}

/// `count(incidents where …)`, `count(children where …)`, `sum(reported where …)`: one
/// term of a formula (a sum when its fact kind is summed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub fact: FactKind,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Formula {
    Count(Count),
    /// numerator ÷ denominator, in percent.
    Ratio(Count, Count),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormulaError {
    /// 1-based character position in the formula.
    pub position: usize,
    pub message: String,
}

impl std::fmt::Display for FormulaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at character {}: {}", self.position, self.message)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Text(String),
    Symbol(char),
    End,
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    at: usize,
}

fn tokenize(text: &str) -> Result<Vec<(Token, usize)>, FormulaError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let position = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Token::Word(chars[start..i].iter().collect()), position));
        } else if c == '"' {
            let start = i + 1;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += 1;
            }
            if i == chars.len() {
                return Err(FormulaError { position, message: "this quoted value is not closed".into() });
            }
            out.push((Token::Text(chars[start..i].iter().collect()), position));
            i += 1;
        } else if "()=,/".contains(c) {
            out.push((Token::Symbol(c), position));
            i += 1;
        } else {
            return Err(FormulaError { position, message: format!("unexpected character `{c}`") });
        }
    }
    out.push((Token::End, chars.len() + 1));
    Ok(out)
}

impl Parser {
    fn peek(&self) -> &(Token, usize) {
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> (Token, usize) {
        let t = self.peek().clone();
        self.at += 1;
        t
    }

    fn fail<T>(position: usize, message: impl Into<String>) -> Result<T, FormulaError> {
        Err(FormulaError { position, message: message.into() })
    }

    fn expect_symbol(&mut self, symbol: char) -> Result<(), FormulaError> {
        match self.next() {
            (Token::Symbol(c), _) if c == symbol => Ok(()),
            (_, position) => Self::fail(position, format!("expected `{symbol}`")),
        }
    }

    fn text(&mut self, field: &str, allowed: &[&str]) -> Result<String, FormulaError> {
        match self.next() {
            (Token::Text(v), position) => {
                if allowed.contains(&v.as_str()) {
                    Ok(v)
                } else {
                    Self::fail(position, format!("`{v}` is not a value of {field}: one of {}", allowed.join(", ")))
                }
            }
            (_, position) => Self::fail(position, "expected a quoted value"),
        }
    }

    fn condition(&mut self, fact: FactKind) -> Result<Condition, FormulaError> {
        let (token, position) = self.next();
        let Token::Word(name) = token else { return Self::fail(position, "expected a field name") };
        let fields = fact.fields();
        let Some((index, (field, allowed))) = fields.iter().enumerate().find(|(_, (f, _))| *f == name) else {
            let names: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
            return Self::fail(position, format!("{} have no field `{name}`: one of {}", fact.as_str(), names.join(", ")));
        };
        let values = match self.next() {
            (Token::Symbol('='), _) => vec![self.text(field, allowed)?],
            (Token::Word(w), _) if w == "in" => {
                self.expect_symbol('(')?;
                let mut values = vec![self.text(field, allowed)?];
                while self.peek().0 == Token::Symbol(',') {
                    self.next();
                    values.push(self.text(field, allowed)?);
                }
                self.expect_symbol(')')?;
                values
            }
            (_, position) => return Self::fail(position, "expected `=` or `in`"),
        };
        let mask = values.iter().filter_map(|v| value_code(fact, index, v)).fold(0u64, |m, c| m | (1 << c));
        Ok(Condition { field, values, index, mask })
    }

    fn count(&mut self) -> Result<Count, FormulaError> {
        let (verb, verb_at) = match self.next() {
            (Token::Word(w), position) if w == "count" || w == "sum" => (w, position),
            (_, position) => return Self::fail(position, "expected `count` or `sum`"),
        };
        self.expect_symbol('(')?;
        let kinds = || FactKind::ALL.map(FactKind::as_str).join(", ");
        let fact = match self.next() {
            (Token::Word(w), position) => match FactKind::ALL.into_iter().find(|k| k.as_str() == w) {
                Some(k) => k,
                None => return Self::fail(position, format!("unknown fact `{w}`: one of {}", kinds())),
            },
            (_, position) => return Self::fail(position, format!("expected what to count or sum: one of {}", kinds())),
        };
        if fact.verb() != verb {
            let what = if fact.summed() { "values are summed" } else { "are counted" };
            let name = fact.as_str();
            let verb = fact.verb();
            return Self::fail(verb_at, format!("{name} {what}: use {verb}({name} …)"));
        }
        let mut conditions = Vec::new();
        if self.peek().0 == Token::Word("where".into()) {
            self.next();
            conditions.push(self.condition(fact)?);
            while self.peek().0 == Token::Word("and".into()) {
                self.next();
                conditions.push(self.condition(fact)?);
            }
        }
        self.expect_symbol(')')?;
        Ok(Count { fact, conditions })
    }
}

/// Parses and checks a formula.
pub fn parse_formula(text: &str) -> Result<Formula, FormulaError> {
    let mut p = Parser { tokens: tokenize(text)?, at: 0 };
    let first = p.count()?;
    let formula = if p.peek().0 == Token::Symbol('/') {
        p.next();
        Formula::Ratio(first, p.count()?)
    } else {
        Formula::Count(first)
    };
    match p.next() {
        (Token::End, _) => Ok(formula),
        (_, position) => Parser::fail(position, "unexpected text after the formula"),
    }
}

impl Count {
    /// This count restricted to facts whose `field` is `value`; none when its fact kind
    /// has no such field or value.
    pub fn restricted(&self, field: &str, value: &str) -> Option<Count> {
        let (index, (name, _)) = self.fact.fields().iter().enumerate().find(|(_, (f, _))| *f == field)?;
        let code = value_code(self.fact, index, value)?;
        let mut out = self.clone();
        out.conditions.push(Condition { field: name, values: vec![value.to_owned()], index, mask: 1 << code });
        Some(out)
    }
}

impl Formula {
    /// The formula over the facts whose `field` is `value` (numerator and denominator
    /// alike: a share among girls, not girls' share of everyone).
    pub fn restricted(&self, field: &str, value: &str) -> Option<Formula> {
        Some(match self {
            Formula::Count(c) => Formula::Count(c.restricted(field, value)?),
            Formula::Ratio(n, d) => Formula::Ratio(n.restricted(field, value)?, d.restricted(field, value)?),
        })
    }

    /// The names of every field the formula's counts share.
    pub fn fields_of_every_count(&self) -> Vec<String> {
        self.disaggregations(&FactKind::ALL.iter().flat_map(|k| k.fields().iter().map(|(f, _)| (*f).to_owned())).collect::<Vec<_>>())
            .iter()
            .map(|(f, _)| (*f).to_owned())
            .collect()
    }

    /// The fields the formula may be broken down by: those its indicator publishes
    /// (`disaggregations`) that every count of it has, with their values.
    pub fn disaggregations(&self, published: &[String]) -> Vec<(&'static str, &'static [&'static str])> {
        let counts: Vec<&Count> = match self {
            Formula::Count(c) => vec![c],
            Formula::Ratio(n, d) => vec![n, d],
        };
        let Some(first) = counts.first() else { return Vec::new() };
        first
            .fact
            .fields()
            .iter()
            .filter(|(f, _)| published.iter().any(|p| p == f) && counts.iter().all(|c| c.fact.fields().iter().any(|(g, _)| g == f)))
            .copied()
            .collect()
    }
}

impl Count {
    pub fn matches(&self, fact: &Fact) -> bool {
        self.conditions.iter().all(|c| c.mask & (1u64 << fact.codes[c.index]) != 0)
    }

    /// A text naming what this count counts (the same for equal counts), for memos.
    pub fn key(&self) -> String {
        let mut out = self.fact.as_str().to_owned();
        for c in &self.conditions {
            out.push_str(&format!(";{}={}", c.field, c.values.join(",")));
        }
        out
    }

    /// The count by year, over the facts of this count's kind.
    pub fn by_year(&self, facts: &Facts) -> BTreeMap<i32, i64> {
        let mut out = BTreeMap::new();
        for f in facts.of(self.fact).iter().filter(|f| self.matches(f)) {
            *out.entry(f.day.year()).or_default() += f.count;
        }
        out
    }
}
