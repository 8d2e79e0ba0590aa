//! A small reader of `multipart/form-data` bodies (RFC 7578), for the forms that send a file (the CSV
//! upload, household photos): a few fields and one file. The body is already limited in size by the
//! server (`max_body_bytes`).

use std::collections::HashMap;

/// The parts of a form by field name: their bytes (a file's content, or a field's value).
pub(crate) fn parse(content_type: &str, body: &[u8]) -> Option<HashMap<String, Vec<u8>>> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))?
        .trim_matches('"');
    if boundary.is_empty() || boundary.len() > 200 {
        return None;
    }
    let delimiter = format!("--{boundary}").into_bytes();
    let mut out = HashMap::new();
    let mut rest = body;
    // Skip the preamble up to the first delimiter.
    let at = find(rest, &delimiter)?;
    rest = &rest[at + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            return Some(out); // the closing delimiter
        }
        rest = rest.strip_prefix(b"\r\n")?;
        let head_end = find(rest, b"\r\n\r\n")?;
        let head = std::str::from_utf8(&rest[..head_end]).ok()?;
        let content = &rest[head_end + 4..];
        let mut closing = b"\r\n".to_vec();
        closing.extend_from_slice(&delimiter);
        let end = find(content, &closing)?;
        if let Some(name) = field_name(head) {
            out.insert(name, content[..end].to_vec());
        }
        rest = &content[end + closing.len()..];
    }
}

/// `name="…"` of the part's `Content-Disposition`.
fn field_name(head: &str) -> Option<String> {
    let line = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    let at = line
        .find(" name=\"")
        .map(|i| i + 7)
        .or_else(|| line.find(";name=\"").map(|i| i + 7))?;
    let rest = &line[at..];
    let end = rest.find('"')?;
    Some(rest[..end].to_owned())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn fields_and_files_are_read() {
        let body = b"--xyz\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok\r\n--xyz\r\n\
Content-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\na,b\r\n1,2\r\n\r\n--xyz--\r\n";
        let parts = parse("multipart/form-data; boundary=xyz", body).unwrap();
        assert_eq!(parts["csrf"], b"tok");
        assert_eq!(parts["file"], b"a,b\r\n1,2\r\n");
        assert!(parse("multipart/form-data", body).is_none());
        assert!(parse("multipart/form-data; boundary=xyz", b"--xyz\r\nbroken").is_none());
    }
}
