//! What a group costs, as directories write it: `free`, `donation`, `sliding_scale`,
//! `insurance`, or an amount per session with an optional currency (`25`, `25.50`, `$25`,
//! `25 USD`, `€10`, `£5`, `10 EUR`).
//!
//! A [`Cost`] is written back (serde, CSV) in the same words it is read from, so a directory
//! round-trips: an amount without a currency as a JSON number, everything else as text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::check::number_problem;

/// The highest cost per session a group may give.
pub const MAX_COST: f64 = 1e9;

/// A currency an amount may name: by its ISO 4217 code (`USD`, `EUR`, `GBP`, `CAD`, `AUD`,
/// any case) after or before the amount, or by the symbols `$` (US dollars), `€` and `£`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Currency {
    /// US dollar, `USD` or `$`.
    Usd,
    /// Euro, `EUR` or `€`.
    Eur,
    /// Pound sterling, `GBP` or `£`.
    Gbp,
    /// Canadian dollar, `CAD`.
    Cad,
    /// Australian dollar, `AUD`.
    Aud,
}

impl Currency {
    /// Every currency, in documented order.
    pub const ALL: [Currency; 5] = [
        Currency::Usd,
        Currency::Eur,
        Currency::Gbp,
        Currency::Cad,
        Currency::Aud,
    ];

    /// The ISO 4217 code, such as `USD`.
    pub fn code(self) -> &'static str {
        match self {
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
            Currency::Gbp => "GBP",
            Currency::Cad => "CAD",
            Currency::Aud => "AUD",
        }
    }

    /// The symbol written before an amount of this currency, when it has one of its own.
    pub fn symbol(self) -> Option<char> {
        match self {
            Currency::Usd => Some('$'),
            Currency::Eur => Some('€'),
            Currency::Gbp => Some('£'),
            Currency::Cad | Currency::Aud => None,
        }
    }

    fn of_code(code: &str) -> Option<Currency> {
        Currency::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(code))
    }

    fn of_symbol(symbol: char) -> Option<Currency> {
        Currency::ALL
            .into_iter()
            .find(|c| c.symbol() == Some(symbol))
    }
}

/// What one session of a group costs.
///
/// ```
/// use groupmatch::{Cost, Currency};
/// let cost: Cost = "$40".parse().unwrap();
/// assert_eq!(cost, Cost::Amount { amount: 40.0, currency: Some(Currency::Usd) });
/// assert_eq!(cost.fee(), Some(40.0));
/// assert_eq!(cost.describe(), "$40 a session");
/// assert_eq!("10 eur".parse::<Cost>().unwrap().to_string(), "€10");
/// assert_eq!("Sliding scale".parse::<Cost>().unwrap(), Cost::SlidingScale);
/// assert_eq!("0".parse::<Cost>().unwrap().fee(), None);
/// assert!("banana".parse::<Cost>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cost {
    /// No charge (`free`).
    Free,
    /// Whatever the person can give (`donation`), as at most peer meetings.
    Donation,
    /// A fee set by income (`sliding_scale`).
    SlidingScale,
    /// Billed to the person's health insurance (`insurance`).
    Insurance,
    /// An amount per session, from 0 (free) to [`MAX_COST`], in `currency` when the directory
    /// names one.
    Amount {
        /// The amount.
        amount: f64,
        /// Its currency, when named.
        currency: Option<Currency>,
    },
}

impl Cost {
    /// The values of [`Cost::kind`], in documented order.
    pub const KINDS: &'static [&'static str] =
        &["free", "donation", "sliding_scale", "insurance", "fee"];

    /// What kind of cost it is: `free` (also an amount of 0), `donation`, `sliding_scale`,
    /// `insurance`, or `fee` (an amount above 0).
    pub fn kind(self) -> &'static str {
        match self {
            Cost::Free => "free",
            Cost::Donation => "donation",
            Cost::SlidingScale => "sliding_scale",
            Cost::Insurance => "insurance",
            Cost::Amount { .. } if self.fee().is_none() => "free",
            Cost::Amount { .. } => "fee",
        }
    }

    /// The amount, when the cost is one (0 included).
    pub fn amount(self) -> Option<f64> {
        match self {
            Cost::Amount { amount, .. } => Some(amount),
            _ => None,
        }
    }

    /// The fee a person must pay for a session: an amount above 0. `None` for a free group, a
    /// donation, a sliding scale or insurance.
    pub fn fee(self) -> Option<f64> {
        self.amount().filter(|a| *a > 0.0)
    }

    /// The cost in words for a sentence: `free`, `by donation`, `on a sliding scale`,
    /// `billed to insurance`, or `$40 a session`.
    pub fn describe(self) -> String {
        match self {
            Cost::Donation => "by donation".into(),
            Cost::SlidingScale => "on a sliding scale".into(),
            Cost::Insurance => "billed to insurance".into(),
            Cost::Amount { .. } if self.fee().is_some() => format!("{self} a session"),
            Cost::Free | Cost::Amount { .. } => "free".into(),
        }
    }

    /// Why the cost cannot be a group's, if it cannot: an amount that is not a finite number
    /// from 0 to [`MAX_COST`]. The groups reader warns with this message.
    pub(crate) fn problem(self) -> Option<String> {
        self.amount()
            .and_then(|a| number_problem(a, &(0.0..=MAX_COST)))
    }
}

/// An amount as written: whole numbers without decimals, cents with two (`25.50`), any other
/// amount in full, so that reading it back gives the same number.
fn amount_text(amount: f64) -> String {
    if amount.fract() == 0.0 && amount.abs() < 1e15 {
        return format!("{amount:.0}");
    }
    let cents = format!("{amount:.2}");
    if cents.parse::<f64>() == Ok(amount) {
        cents
    } else {
        amount.to_string()
    }
}

impl fmt::Display for Cost {
    /// The cost as a directory writes it: `free`, `donation`, `sliding_scale`, `insurance`,
    /// `25`, `$25.50`, `€10`, `£5` or `25 CAD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Cost::Free => f.write_str("free"),
            Cost::Donation => f.write_str("donation"),
            Cost::SlidingScale => f.write_str("sliding_scale"),
            Cost::Insurance => f.write_str("insurance"),
            Cost::Amount { amount, currency } => {
                let amount = amount_text(amount);
                match currency {
                    None => f.write_str(&amount),
                    Some(c) => match c.symbol() {
                        Some(symbol) => write!(f, "{symbol}{amount}"),
                        None => write!(f, "{amount} {}", c.code()),
                    },
                }
            }
        }
    }
}

/// How a cost is written, for messages.
const COST_HELP: &str =
    "use free, donation, sliding_scale, insurance, or an amount such as 25, $25 or 10 EUR";

impl FromStr for Cost {
    type Err = String;

    /// Reads a cost: a word (any case; a space or `-` for `_`), or an amount with an optional
    /// currency symbol or code before or after it. The error is the reader's warning message.
    fn from_str(s: &str) -> Result<Cost, String> {
        let text = s.trim();
        let word = text.to_ascii_lowercase().replace([' ', '-'], "_");
        match word.as_str() {
            "free" => return Ok(Cost::Free),
            "donation" | "donations" => return Ok(Cost::Donation),
            "sliding_scale" => return Ok(Cost::SlidingScale),
            "insurance" => return Ok(Cost::Insurance),
            _ => {}
        }
        let not_a_cost = || {
            let shown = crate::text::shorten(text, crate::limits::MAX_QUOTED_BYTES);
            format!("'{shown}' is not a cost ({COST_HELP})")
        };
        let (number, currency) = split_currency(text).map_err(|code| {
            let known: Vec<&str> = Currency::ALL.iter().map(|c| c.code()).collect();
            format!(
                "unknown currency '{code}' (known: {}, and the symbols $, € and £)",
                known.join(", ")
            )
        })?;
        let number = number.trim();
        let amount: f64 = match number.parse() {
            Ok(a) if numeric(number) => a,
            _ => return Err(not_a_cost()),
        };
        let cost = Cost::Amount { amount, currency };
        match cost.problem() {
            Some(m) => Err(m),
            None => Ok(cost),
        }
    }
}

/// Whether `s` is written like a number: digits, with a point, a sign or an exponent (so the
/// words `NaN` and `inf` are not).
fn numeric(s: &str) -> bool {
    let s = s.trim();
    s.chars().any(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
}

/// Splits a currency symbol or code off either end of `text`: the rest and the currency.
/// `Err` with the code when three letters stand where a code would and are not a known one.
fn split_currency(text: &str) -> Result<(&str, Option<Currency>), &str> {
    if let Some(c) = text.chars().next().and_then(Currency::of_symbol) {
        return Ok((&text[c.symbol().map_or(0, char::len_utf8)..], Some(c)));
    }
    if let Some(c) = text.chars().next_back().and_then(Currency::of_symbol) {
        let cut = text.len() - c.symbol().map_or(0, char::len_utf8);
        return Ok((&text[..cut], Some(c)));
    }
    let letters = |s: &str| s.len() == 3 && s.bytes().all(|b| b.is_ascii_alphabetic());
    if let Some((head, code)) = text.split_at_checked(text.len().saturating_sub(3)) {
        if letters(code) && numeric(head) {
            return Currency::of_code(code).map(|c| (head, Some(c))).ok_or(code);
        }
    }
    if let Some((code, tail)) = text.split_at_checked(3) {
        if letters(code) && numeric(tail) {
            return Currency::of_code(code).map(|c| (tail, Some(c))).ok_or(code);
        }
    }
    Ok((text, None))
}

impl Serialize for Cost {
    /// An amount without a currency as a number (`25`), everything else as its text (`"$25"`,
    /// `"free"`): what the groups reader reads back.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Cost::Amount {
                amount,
                currency: None,
            } => s.serialize_f64(amount),
            _ => s.collect_str(self),
        }
    }
}

// What `Serialize` writes: a number for an amount without a currency, else the text.
#[cfg(feature = "serve")]
impl utoipa::PartialSchema for Cost {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Number)
                    .minimum(Some(0.0))
                    .maximum(Some(MAX_COST))
                    .description(Some("an amount per session, its currency not named")),
            )
            .item(ObjectBuilder::new().schema_type(Type::String).description(Some(
                "free, donation, sliding_scale, insurance, or an amount with its currency ($25, 10 EUR)",
            )))
            .into()
    }
}

#[cfg(feature = "serve")]
impl utoipa::ToSchema for Cost {}

impl<'de> Deserialize<'de> for Cost {
    /// Reads a number or a text as the groups reader does, refusing what it warns about.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Cost, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Text(String),
        }
        let cost = match Raw::deserialize(d)? {
            Raw::Number(amount) => {
                let cost = Cost::Amount {
                    amount,
                    currency: None,
                };
                match cost.problem() {
                    Some(m) => return Err(serde::de::Error::custom(m)),
                    None => cost,
                }
            }
            Raw::Text(text) => text.parse().map_err(serde::de::Error::custom)?,
        };
        Ok(cost)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amount(amount: f64, currency: Option<Currency>) -> Cost {
        Cost::Amount { amount, currency }
    }

    #[test]
    fn reads_the_words_and_amounts_directories_write() {
        for (text, cost) in [
            ("free", Cost::Free),
            ("FREE", Cost::Free),
            ("donation", Cost::Donation),
            ("Donations", Cost::Donation),
            ("sliding_scale", Cost::SlidingScale),
            ("Sliding scale", Cost::SlidingScale),
            ("sliding-scale", Cost::SlidingScale),
            ("insurance", Cost::Insurance),
            ("25", amount(25.0, None)),
            ("25.50", amount(25.5, None)),
            ("0", amount(0.0, None)),
            ("$25", amount(25.0, Some(Currency::Usd))),
            ("$ 25", amount(25.0, Some(Currency::Usd))),
            ("25 USD", amount(25.0, Some(Currency::Usd))),
            ("25usd", amount(25.0, Some(Currency::Usd))),
            ("USD 25", amount(25.0, Some(Currency::Usd))),
            ("€10", amount(10.0, Some(Currency::Eur))),
            ("10 €", amount(10.0, Some(Currency::Eur))),
            ("10 EUR", amount(10.0, Some(Currency::Eur))),
            ("£5", amount(5.0, Some(Currency::Gbp))),
            ("30 CAD", amount(30.0, Some(Currency::Cad))),
            ("12.345 AUD", amount(12.345, Some(Currency::Aud))),
        ] {
            assert_eq!(text.parse::<Cost>(), Ok(cost), "{text}");
        }
    }

    #[test]
    fn anything_else_is_refused_with_a_message_naming_the_forms() {
        for text in [
            "banana",
            "$",
            "25 dollars",
            "NaN",
            "inf",
            "-",
            "1,000",
            "$ free",
        ] {
            let err = text.parse::<Cost>().unwrap_err();
            assert_eq!(err, format!("'{text}' is not a cost ({COST_HELP})"));
        }
        assert_eq!(
            "25 JPY".parse::<Cost>().unwrap_err(),
            "unknown currency 'JPY' (known: USD, EUR, GBP, CAD, AUD, and the symbols $, € and £)"
        );
        assert_eq!(
            "-1".parse::<Cost>().unwrap_err(),
            "-1 is outside 0 to 1000000000"
        );
        assert_eq!(
            "1e999".parse::<Cost>().unwrap_err(),
            "inf is not a finite number"
        );
        assert_eq!(
            "$2000000000".parse::<Cost>().unwrap_err(),
            "2000000000 is outside 0 to 1000000000"
        );
        let long = "x".repeat(5000);
        assert!(long.parse::<Cost>().unwrap_err().len() < 300);
    }

    #[test]
    fn written_text_reads_back_the_same_cost() {
        for cost in [
            Cost::Free,
            Cost::Donation,
            Cost::SlidingScale,
            Cost::Insurance,
            amount(25.0, None),
            amount(25.5, None),
            amount(0.1 + 0.2, None),
            amount(0.0, Some(Currency::Gbp)),
            amount(40.0, Some(Currency::Usd)),
            amount(12.345, Some(Currency::Eur)),
            amount(MAX_COST, Some(Currency::Cad)),
        ] {
            assert_eq!(cost.to_string().parse::<Cost>(), Ok(cost), "{cost}");
            let json = serde_json::to_string(&cost).unwrap();
            assert_eq!(serde_json::from_str::<Cost>(&json).unwrap(), cost, "{json}");
        }
        assert_eq!(amount(25.5, Some(Currency::Usd)).to_string(), "$25.50");
        assert_eq!(amount(30.0, Some(Currency::Cad)).to_string(), "30 CAD");
        assert_eq!(serde_json::to_string(&amount(25.0, None)).unwrap(), "25.0");
        assert_eq!(
            serde_json::to_string(&Cost::SlidingScale).unwrap(),
            "\"sliding_scale\""
        );
        assert!(serde_json::from_str::<Cost>("-3").is_err());
        assert!(serde_json::from_str::<Cost>("\"banana\"").is_err());
    }

    #[test]
    fn only_an_amount_above_zero_is_a_fee() {
        assert_eq!(
            amount(40.0, Some(Currency::Usd)).describe(),
            "$40 a session"
        );
        for (cost, kind, words) in [
            (Cost::Free, "free", "free"),
            (amount(0.0, None), "free", "free"),
            (Cost::Donation, "donation", "by donation"),
            (Cost::SlidingScale, "sliding_scale", "on a sliding scale"),
            (Cost::Insurance, "insurance", "billed to insurance"),
        ] {
            assert_eq!(
                (cost.fee(), cost.kind(), cost.describe().as_str()),
                (None, kind, words)
            );
        }
        assert_eq!(amount(40.0, None).kind(), "fee");
        assert!(Cost::KINDS.contains(&amount(40.0, None).kind()));
    }
}
