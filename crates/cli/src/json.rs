//! Small JSON value writers for the result files the CLI assembles field by field
//! (`dispatch.json`, `sizing.json`, `quartier.json`): one place, escaping by `serde_json`.

/// A number as JSON (non-finite as `null`).
pub fn num(x: f64) -> String {
    if x.is_finite() {
        serde_json::Value::from(x).to_string()
    } else {
        "null".into()
    }
}

/// An optional number as JSON.
pub fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "null".into(), num)
}

/// A string as JSON (quoted and escaped).
pub fn string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_valid_json() {
        assert_eq!(num(1.5), "1.5");
        assert_eq!(num(f64::NAN), "null");
        assert_eq!(opt(None), "null");
        assert_eq!(string("a\"b\\c\n"), r#""a\"b\\c\n""#);
    }
}
