//! Decimal numbers written with integer arithmetic only. Formatting an `f64` with the
//! standard library pulls its whole float-printing machinery into the WebAssembly
//! bundle; the page only ever needs a fixed number of decimal places.

/// `units` divided by 10^`places`, written without trailing zeros:
/// `fixed_point(25, 1)` is "2.5", `fixed_point(300, 2)` is "3", `fixed_point(-5, 1)` is "-0.5".
pub fn fixed_point(units: i64, places: u32) -> String {
    let scale = 10u64.pow(places);
    let magnitude = units.unsigned_abs();
    let sign = if units < 0 { "-" } else { "" };
    let (whole, fraction) = (magnitude / scale, magnitude % scale);
    if fraction == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{fraction:0width$}", width = places as usize);
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

/// A drawing coordinate rounded to a tenth, e.g. for an SVG attribute.
pub fn tenths(value: f64) -> String {
    fixed_point((value * 10.0).round() as i64, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_same_digits_as_the_float_formatter() {
        for value in [0.0, 1.0, -1.0, 12.34, -0.06, 130.0, 479.96, -95.0, 1234.56] {
            let expected = format!("{value:.1}");
            let expected = expected
                .strip_suffix(".0")
                .map(str::to_string)
                .unwrap_or(expected);
            let expected = if expected == "-0" {
                "0".to_string()
            } else {
                expected
            };
            assert_eq!(tenths(value), expected, "for {value}");
        }
    }

    #[test]
    fn trims_trailing_zeros_and_keeps_the_sign() {
        assert_eq!(fixed_point(25, 1), "2.5");
        assert_eq!(fixed_point(300, 2), "3");
        assert_eq!(fixed_point(250, 2), "2.5");
        assert_eq!(fixed_point(5, 2), "0.05");
        assert_eq!(fixed_point(-5, 1), "-0.5");
        assert_eq!(fixed_point(0, 3), "0");
    }
}
