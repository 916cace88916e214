//! Probabilities as integer ratios, so that no floating point enters a transition.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A probability `numerator / denominator`, with `denominator >= 1` and
/// `numerator <= denominator` once validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ratio {
    /// How many out of `denominator`.
    pub numerator: u32,
    /// The whole; must not be zero.
    pub denominator: u32,
}

impl Ratio {
    /// Never.
    pub const ZERO: Ratio = Ratio {
        numerator: 0,
        denominator: 1,
    };

    /// Builds a ratio without checking it; `validate` reports a bad one.
    pub const fn new(numerator: u32, denominator: u32) -> Ratio {
        Ratio {
            numerator,
            denominator,
        }
    }

    /// A whole percentage, e.g. `Ratio::percent(5)` is 5/100.
    pub const fn percent(percent: u32) -> Ratio {
        Ratio::new(percent, 100)
    }

    /// True when the ratio never fires.
    pub const fn is_zero(self) -> bool {
        self.numerator == 0
    }
}

impl Default for Ratio {
    fn default() -> Ratio {
        Ratio::ZERO
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.numerator, self.denominator)
    }
}

/// Why a ratio or percentage could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RatioParseError {
    /// The text that was given.
    pub input: String,
}

impl RatioParseError {
    /// The sentence that says what is wrong.
    pub fn sentence(&self) -> crate::Sentence {
        crate::sentences::said!(ProblemNotAProbability, text = self.input.clone())
    }
}

impl fmt::Display for RatioParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sentence().told_in(crate::sentences::english()))
    }
}

impl std::error::Error for RatioParseError {}

impl FromStr for Ratio {
    type Err = RatioParseError;

    /// Reads "1/20", "5" (percent), "5%" or "2.5" (percent, up to three decimals),
    /// exactly, without floating point.
    fn from_str(input: &str) -> Result<Ratio, RatioParseError> {
        let error = || RatioParseError {
            input: input.to_string(),
        };
        let text = input.trim();
        if let Some((numerator, denominator)) = text.split_once('/') {
            let numerator: u32 = numerator.trim().parse().map_err(|_| error())?;
            let denominator: u32 = denominator.trim().parse().map_err(|_| error())?;
            if denominator == 0 || numerator > denominator {
                return Err(error());
            }
            return Ok(Ratio::new(numerator, denominator));
        }
        let text = text.strip_suffix('%').unwrap_or(text);
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        if fraction.len() > 3 || whole.is_empty() && fraction.is_empty() {
            return Err(error());
        }
        if !whole.chars().all(|c| c.is_ascii_digit())
            || !fraction.chars().all(|c| c.is_ascii_digit())
        {
            return Err(error());
        }
        let whole: u32 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| error())?
        };
        let mut fraction_value: u32 = if fraction.is_empty() {
            0
        } else {
            fraction.parse().map_err(|_| error())?
        };
        for _ in fraction.len()..3 {
            fraction_value *= 10;
        }
        let numerator = whole
            .checked_mul(1000)
            .and_then(|w| w.checked_add(fraction_value))
            .ok_or_else(error)?;
        if numerator > 100_000 {
            return Err(error());
        }
        Ok(Ratio::new(numerator, 100_000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_and_fractions_parse_exactly() {
        assert_eq!("5".parse::<Ratio>(), Ok(Ratio::new(5000, 100_000)));
        assert_eq!("2.5%".parse::<Ratio>(), Ok(Ratio::new(2500, 100_000)));
        assert_eq!("1/20".parse::<Ratio>(), Ok(Ratio::new(1, 20)));
        assert!("101".parse::<Ratio>().is_err());
        assert!("1/0".parse::<Ratio>().is_err());
        assert!("abc".parse::<Ratio>().is_err());
        assert!("".parse::<Ratio>().is_err());
    }
}
