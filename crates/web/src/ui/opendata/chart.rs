//! Charts as server-rendered SVG: no script, readable without one, scaled by the browser.

use std::fmt::Write as _;

/// One bar: a label and a share between 0 and 1, or `None` when the value is suppressed.
pub struct Bar {
    pub label: String,
    pub share: Option<f64>,
}

const WIDTH: f64 = 640.0;
const LABEL: f64 = 220.0;
const ROW: f64 = 26.0;

/// A horizontal bar chart of shares (0–100 %), one row per bar. `title` names it for screen readers;
/// `hidden` is written where a bar is suppressed.
pub fn share_bars(title: &str, hidden: &str, bars: &[Bar]) -> String {
    let height = ROW * bars.len().max(1) as f64 + 8.0;
    let plot = WIDTH - LABEL - 60.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" \
         role=\"img\" aria-labelledby=\"chart-title\"><title id=\"chart-title\">{}</title>",
        escape(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let _ = write!(
            s,
            "<text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"end\" font-size=\"13\" fill=\"#1a1a1a\">{}</text>",
            LABEL - 8.0,
            y + 17.0,
            escape(&shorten(&bar.label, 30))
        );
        match bar.share {
            Some(share) => {
                let share = share.clamp(0.0, 1.0);
                let _ = write!(
                    s,
                    "<rect x=\"{LABEL}\" y=\"{:.0}\" width=\"{:.1}\" height=\"{:.0}\" fill=\"#1b5e20\">\
                     <title>{}: {:.1} %</title></rect>\
                     <text x=\"{:.1}\" y=\"{:.0}\" font-size=\"13\" fill=\"#1a1a1a\">{:.1} %</text>",
                    y + 3.0,
                    plot * share,
                    ROW - 8.0,
                    escape(&bar.label),
                    share * 100.0,
                    LABEL + plot * share + 6.0,
                    y + 17.0,
                    share * 100.0
                );
            }
            None => {
                let _ = write!(
                    s,
                    "<text x=\"{LABEL}\" y=\"{:.0}\" font-size=\"13\" font-style=\"italic\" fill=\"#4a4a4a\">— {}</text>",
                    y + 17.0,
                    escape(hidden)
                );
            }
        }
    }
    s.push_str("</svg>");
    s
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_escaped_and_hidden_values_say_so() {
        let svg = share_bars(
            "Porsi <tersalur>",
            "disembunyikan",
            &[
                Bar {
                    label: "Desa \"A\" & B".into(),
                    share: Some(0.5),
                },
                Bar {
                    label: "Desa C".into(),
                    share: None,
                },
            ],
        );
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("Porsi &lt;tersalur&gt;"));
        assert!(svg.contains("Desa &quot;A&quot; &amp; B"));
        assert!(svg.contains("50.0 %"));
        assert!(svg.contains("— disembunyikan"));
        assert_eq!(svg.matches("<rect").count(), 1);
    }
}
