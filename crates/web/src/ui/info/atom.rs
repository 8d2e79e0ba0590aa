//! The announcements as an Atom feed (RFC 4287), which social-media accounts and feed readers post
//! from: one entry per announcement with its id (`urn:uuid:`), title, publication time, link and the
//! text, in the request's language.

use chrono::{SecondsFormat, Utc};
use tepat_domain::Lang;
use tepat_store::Announcement;

use super::announcements::text_in;

/// What the feed says about itself.
pub(super) struct FeedInfo<'a, R: Fn(&Announcement) -> String> {
    /// `https://bansos.example.go.id`, without a trailing slash.
    pub base: &'a str,
    /// The feed's own path and query, e.g. `/pengumuman.atom?program=PKH`.
    pub self_path: &'a str,
    pub title: &'a str,
    pub lang: Lang,
    /// The region an announcement is for, in words.
    pub region: R,
}

/// The feed document.
pub(super) fn feed<R: Fn(&Announcement) -> String>(
    info: &FeedInfo<'_, R>,
    items: &[Announcement],
) -> String {
    let updated = items
        .iter()
        .map(|a| a.publish_at)
        .max()
        .unwrap_or_else(Utc::now);
    let base = info.base;
    let mut xml = String::with_capacity(1024 + items.len() * 1024);
    xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    xml.push_str(&format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n",
        info.lang.tag()
    ));
    xml.push_str(&format!(
        "  <id>{}</id>\n  <title>{}</title>\n  <updated>{}</updated>\n",
        escape(&format!("{base}{}", info.self_path)),
        escape(info.title),
        updated.to_rfc3339_opts(SecondsFormat::Secs, true)
    ));
    xml.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        escape(&format!("{base}{}", info.self_path))
    ));
    xml.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        escape(&format!("{base}/pengumuman"))
    ));
    xml.push_str("  <author><name>tepat</name></author>\n  <generator>tepat</generator>\n");
    for a in items {
        entry(&mut xml, info, a);
    }
    xml.push_str("</feed>\n");
    xml
}

fn entry<R: Fn(&Announcement) -> String>(
    xml: &mut String,
    info: &FeedInfo<'_, R>,
    a: &Announcement,
) {
    let (title, body) = text_in(a, info.lang);
    let time = a.publish_at.to_rfc3339_opts(SecondsFormat::Secs, true);
    let region = (info.region)(a);
    xml.push_str("  <entry>\n");
    xml.push_str(&format!("    <id>urn:uuid:{}</id>\n", a.id));
    xml.push_str(&format!("    <title>{}</title>\n", escape(title)));
    xml.push_str(&format!(
        "    <updated>{time}</updated>\n    <published>{time}</published>\n"
    ));
    xml.push_str(&format!(
        "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        escape(&format!("{}/pengumuman/{}", info.base, a.id))
    ));
    if let Some(program) = &a.program {
        xml.push_str(&format!("    <category term=\"{}\"/>\n", escape(program)));
    }
    xml.push_str(&format!(
        "    <content type=\"text\">{}\n\n{}</content>\n",
        escape(body),
        escape(&region)
    ));
    xml.push_str("  </entry>\n");
}

/// Text for XML character data and attributes; characters XML 1.0 cannot carry are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_and_control_characters_dropped() {
        assert_eq!(
            escape("<b>\"a\" & 'b'</b>\u{1}"),
            "&lt;b&gt;&quot;a&quot; &amp; &apos;b&apos;&lt;/b&gt;"
        );
    }
}
