//! Server-drawn SVG charts: no script, no library, readable without JavaScript and
//! downloadable as a file. Every text is escaped.

use std::fmt::Write;

/// Escapes text for SVG/XML content and attributes.
pub(super) fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// An SVG drawn by this module or `map.rs`, every text in it escaped: a page shows it
/// inline as it is (askama does not escape an `HtmlSafe` value). Only these modules make one.
pub struct Svg(String);

impl Svg {
    pub(super) fn new(svg: String) -> Self {
        Self(svg)
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Svg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl askama::filters::HtmlSafe for Svg {}

/// One year of a target chart: the count (a bar) and the ceiling in hundredths (a line point).
pub struct ChartYear {
    pub year: i32,
    pub actual: i64,
    pub ceiling_hundredths: Option<i64>,
}

/// Bars for the yearly counts and a line for the target's ceilings, with a legend.
pub fn target_chart(title: &str, actual_label: &str, ceiling_label: &str, years: &[ChartYear]) -> String {
    const W: i64 = 640;
    const H: i64 = 320;
    const LEFT: i64 = 48;
    const RIGHT: i64 = 16;
    const TOP: i64 = 40;
    const BOTTOM: i64 = 56;
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    // The scale's top in hundredths: the largest value, rounded up to a whole number, at least 1.
    let max = years.iter().map(|y| (y.actual * 100).max(y.ceiling_hundredths.unwrap_or(0))).max().unwrap_or(0);
    let top = (max + 99) / 100 * 100;
    let top = top.max(100);
    let n = i64::try_from(years.len()).unwrap_or(1).max(1);
    let slot = plot_w / n;
    let y_of = |h: i64| TOP + plot_h - h * plot_h / top;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{t}" font-family="sans-serif" font-size="12"><title>{t}</title><rect width="{W}" height="{H}" fill="#fff"/><text x="{LEFT}" y="20" font-size="14" font-weight="bold">{t}</text>"##,
        t = esc(title)
    );
    // Axis and the scale's top and zero.
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}" stroke="#555"/><line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}" stroke="#555"/>"##,
        b = TOP + plot_h,
        r = W - RIGHT
    );
    let _ = write!(
        svg,
        r#"<text x="{x}" y="{y}" text-anchor="end">{v}</text><text x="{x}" y="{z}" text-anchor="end">0</text>"#,
        x = LEFT - 6,
        y = TOP + 4,
        v = top / 100,
        z = TOP + plot_h + 4
    );
    let mut points = Vec::new();
    for (i, y) in years.iter().enumerate() {
        let x = LEFT + i64::try_from(i).unwrap_or(0) * slot;
        let bar_top = y_of(y.actual * 100);
        let _ = write!(
            svg,
            r##"<rect class="bar" data-year="{yr}" x="{bx}" y="{bar_top}" width="{bw}" height="{bh}" fill="#4a7ab5"><title>{yr}: {a}</title></rect><text x="{cx}" y="{ly}" text-anchor="middle">{yr}</text>"##,
            yr = y.year,
            bx = x + slot / 6,
            bw = slot * 2 / 3,
            bh = TOP + plot_h - bar_top,
            a = y.actual,
            cx = x + slot / 2,
            ly = TOP + plot_h + 16
        );
        if let Some(c) = y.ceiling_hundredths {
            points.push(format!("{},{}", x + slot / 2, y_of(c)));
        }
    }
    if !points.is_empty() {
        let _ = write!(svg, r##"<polyline class="ceiling" points="{}" fill="none" stroke="#c0392b" stroke-width="2"/>"##, points.join(" "));
    }
    let ly = H - 14;
    let _ = write!(
        svg,
        r##"<rect x="{LEFT}" y="{a}" width="12" height="12" fill="#4a7ab5"/><text x="{t1}" y="{ly}">{al}</text><line x1="{l2}" y1="{m}" x2="{l2e}" y2="{m}" stroke="#c0392b" stroke-width="2"/><text x="{t2}" y="{ly}">{cl}</text></svg>"##,
        a = ly - 10,
        t1 = LEFT + 18,
        al = esc(actual_label),
        l2 = LEFT + 220,
        l2e = LEFT + 240,
        m = ly - 4,
        t2 = LEFT + 246,
        cl = esc(ceiling_label)
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_the_ceiling_line_follow_the_data() {
        let years = [
            ChartYear { year: 2012, actual: 40, ceiling_hundredths: None },
            ChartYear { year: 2013, actual: 38, ceiling_hundredths: Some(3800) },
            ChartYear { year: 2014, actual: 20, ceiling_hundredths: Some(3610) },
        ];
        let svg = target_chart("T1 <x> & \"y\"", "counted", "ceiling", &years);
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("class=\"bar\"").count(), 3);
        assert!(svg.contains("<title>T1 &lt;x&gt; &amp; &quot;y&quot;</title>"), "text is escaped");
        // Scale top 40: the 40 bar reaches the top of the plot (y = 40), 20 is half way.
        assert!(svg.contains("data-year=\"2012\" x=\"") && svg.contains("y=\"40\" width"));
        let points = svg.split("points=\"").nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(points.split(' ').count(), 2, "no ceiling in the base year");
        // Nothing at all still draws an empty chart with a scale of 1.
        assert!(target_chart("x", "a", "b", &[]).contains(">1</text>"));
    }
}
