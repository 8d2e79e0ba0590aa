//! Canonical JSON for the signature digest: object keys sorted by their UTF-8 bytes, no whitespace,
//! strings escaped as serde_json escapes them, numbers as serde_json prints them.
//!
//! Written out rather than relying on `serde_json::Value`'s map order, which changes to insertion order
//! when any crate in the build enables serde_json's `preserve_order` feature.

use serde_json::Value;

/// The canonical bytes of `value`.
pub(crate) fn to_vec(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push(b'{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(key, out);
                out.push(b':');
                write(item, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out);
            }
            out.push(b']');
        }
        Value::String(s) => write_string(s, out),
        other => out.extend_from_slice(other.to_string().as_bytes()),
    }
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(Value::String(s.to_owned()).to_string().as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_at_every_depth_and_whitespace_is_dropped() {
        let value: Value =
            serde_json::from_str(r#"{ "b": 1, "a": { "z": [true, null, "x\"y"], "m": 2.5 } }"#)
                .unwrap();
        assert_eq!(
            String::from_utf8(to_vec(&value)).unwrap(),
            r#"{"a":{"m":2.5,"z":[true,null,"x\"y"]},"b":1}"#
        );
    }

    #[test]
    fn the_same_content_in_another_order_gives_the_same_bytes() {
        let one = json!({"header": {"action": "search", "version": "1.0.0"}, "message": {"x": 1}});
        let other: Value = serde_json::from_str(
            r#"{"message":{"x":1},"header":{"version":"1.0.0","action":"search"}}"#,
        )
        .unwrap();
        assert_eq!(to_vec(&one), to_vec(&other));
    }
}
