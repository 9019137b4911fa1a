//! Decimal amounts in configs and on the command line, and their display.

use crate::error::{CliError, Result};
use alloy_primitives::{
    utils::{format_units, parse_units},
    I256, U256,
};

/// `text` (a decimal such as `0.005` or `1000000`) as an integer with `decimals` decimals.
///
/// # Errors
/// [`CliError::Usage`] naming `what` when the text is not a non-negative decimal that fits.
pub fn parse(text: &str, decimals: u8, what: &str) -> Result<U256> {
    let t = text.trim().replace('_', "");
    if t.starts_with('-') {
        return Err(CliError::Usage(format!("{what}: {text:?} is negative")));
    }
    let v = parse_units(&t, decimals)
        .map_err(|e| CliError::Usage(format!("{what}: {text:?} is not a decimal amount: {e}")))?;
    Ok(v.get_absolute())
}

/// A WAD (18-decimal) amount.
///
/// # Errors
/// As [`parse`].
pub fn wad(text: &str, what: &str) -> Result<U256> {
    parse(text, 18, what)
}

/// `value` with `decimals` decimals as text, without trailing zeros.
pub fn show(value: U256, decimals: u8) -> String {
    trim(format_units(value, decimals).unwrap_or_else(|_| value.to_string()))
}

/// A signed WAD amount as text.
pub fn show_signed(value: I256) -> String {
    let s = show(value.unsigned_abs(), 18);
    if value.is_negative() {
        format!("-{s}")
    } else {
        s
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_shows() {
        assert_eq!(
            wad("0.005", "x").unwrap(),
            U256::from(5_000_000_000_000_000u64)
        );
        assert_eq!(
            parse("1_000", 6, "x").unwrap(),
            U256::from(1_000_000_000u64)
        );
        assert_eq!(show(U256::from(5_000_000_000_000_000u64), 18), "0.005");
        assert_eq!(
            show(U256::from(3u8) * U256::from(10u8).pow(U256::from(18u8)), 18),
            "3"
        );
        assert_eq!(
            show_signed(I256::try_from(-2_500_000_000_000_000_000i128).unwrap()),
            "-2.5"
        );
        let e = wad("abc", "value").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("value: \"abc\" is not a decimal amount"),
            "{e}"
        );
        assert_eq!(
            wad("-1", "v").unwrap_err().to_string(),
            "v: \"-1\" is negative"
        );
    }
}
