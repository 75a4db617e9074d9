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

/// One year of a target chart: the count (a bar), the ceiling in hundredths (a line point)
/// and, year on year, the compounded path from the base year (a dashed grey line, context).
pub struct ChartYear {
    pub year: i32,
    pub actual: i64,
    pub ceiling_hundredths: Option<i64>,
    pub trajectory_hundredths: Option<i64>,
}

/// The largest value a target chart draws, in hundredths.
fn chart_max(years: &[ChartYear]) -> i64 {
    years
        .iter()
        .map(|y| (y.actual * 100).max(y.ceiling_hundredths.unwrap_or(0)).max(y.trajectory_hundredths.unwrap_or(0)))
        .max()
        .unwrap_or(0)
}

/// Points in runs broken where a year has none (a year-on-year ceiling after a year that
/// counted nothing cannot be set): each run is drawn as a line, a lone point as a short dash.
fn runs(points: impl Iterator<Item = Option<(i64, i64)>>) -> Vec<Vec<(i64, i64)>> {
    let mut out: Vec<Vec<(i64, i64)>> = vec![Vec::new()];
    for p in points {
        match (p, out.last_mut()) {
            (Some(p), Some(run)) => run.push(p),
            (None, Some(run)) if !run.is_empty() => out.push(Vec::new()),
            _ => {}
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

/// A run as SVG points: a lone point becomes a dash `half` wide either side.
fn run_points(run: &[(i64, i64)], half: i64) -> String {
    match run {
        [(x, y)] => format!("{},{y} {},{y}", x - half, x + half),
        _ => run.iter().map(|(x, y)| format!("{x},{y}")).collect::<Vec<_>>().join(" "),
    }
}

/// A run as PNG segments (a lone point becomes a dash `half` wide either side).
fn run_segments(run: &[(i64, i64)], half: i64) -> Vec<((i64, i64), (i64, i64))> {
    match run {
        [(x, y)] => vec![((x - half, *y), (x + half, *y))],
        _ => run.windows(2).map(|w| (w[0], w[1])).collect(),
    }
}

/// Bars for the yearly counts, a line for the target's ceilings and, when there is one, a
/// dashed line for the compounded path (context, labelled as such), with a legend.
pub fn target_chart(title: &str, actual_label: &str, ceiling_label: &str, trajectory_label: &str, years: &[ChartYear]) -> String {
    const W: i64 = 640;
    const H: i64 = 320;
    const LEFT: i64 = 48;
    const RIGHT: i64 = 16;
    const TOP: i64 = 40;
    const BOTTOM: i64 = 56;
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    // The scale's top in hundredths: the largest value, rounded up to a whole number, at least 1.
    let max = chart_max(years);
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
    let centre = |i: usize| LEFT + i64::try_from(i).unwrap_or(0) * slot + slot / 2;
    let points = runs(years.iter().enumerate().map(|(i, y)| y.ceiling_hundredths.map(|c| (centre(i), y_of(c)))));
    let path: Vec<String> =
        years.iter().enumerate().filter_map(|(i, y)| y.trajectory_hundredths.map(|t| format!("{},{}", centre(i), y_of(t)))).collect();
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
    }
    if path.len() > 1 {
        let _ = write!(
            svg,
            r##"<polyline class="trajectory" points="{}" fill="none" stroke="#888" stroke-width="1.5" stroke-dasharray="5 4"><title>{}</title></polyline>"##,
            path.join(" "),
            esc(trajectory_label)
        );
    }
    for run in &points {
        let _ = write!(
            svg,
            r##"<polyline class="ceiling" points="{}" fill="none" stroke="#c0392b" stroke-width="2"/>"##,
            run_points(run, slot / 3)
        );
    }
    let ly = H - 14;
    if path.len() > 1 {
        let _ = write!(
            svg,
            r##"<line x1="{a}" y1="{m}" x2="{b}" y2="{m}" stroke="#888" stroke-width="1.5" stroke-dasharray="5 4"/><text x="{t}" y="{ly}">{l}</text>"##,
            a = LEFT + 360,
            b = LEFT + 380,
            m = ly - 4,
            t = LEFT + 386,
            l = esc(trajectory_label)
        );
    }
    let _ = write!(
        svg,
        r##"<rect x="{LEFT}" y="{a}" width="12" height="12" fill="#4a7ab5"/><text x="{t1}" y="{ly}">{al}</text><line x1="{l2}" y1="{m}" x2="{l2e}" y2="{m}" stroke="#c0392b" stroke-width="2"/><text x="{t2}" y="{ly}">{cl}</text></svg>"##,
        a = ly - 10,
        t1 = LEFT + 18,
        al = esc(actual_label),
        l2 = LEFT + 140,
        l2e = LEFT + 160,
        m = ly - 4,
        t2 = LEFT + 166,
        cl = esc(ceiling_label)
    );
    svg
}

/// [`target_chart`] as a PNG: the same geometry (bars, ceiling line, scale, years, legend)
/// drawn into pixels. The texts are in capitals without diacritics (the embedded font).
pub fn target_chart_png(title: &str, actual_label: &str, ceiling_label: &str, trajectory_label: &str, years: &[ChartYear]) -> Vec<u8> {
    use crate::png::{Anchor, Canvas, AXIS, BLACK, BLUE, GREY, RED};
    const W: i64 = 640;
    const H: i64 = 320;
    const LEFT: i64 = 48;
    const RIGHT: i64 = 16;
    const TOP: i64 = 40;
    const BOTTOM: i64 = 56;
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let top = ((chart_max(years) + 99) / 100 * 100).max(100);
    let n = i64::try_from(years.len()).unwrap_or(1).max(1);
    let slot = plot_w / n;
    let y_of = |h: i64| TOP + plot_h - h * plot_h / top;
    let mut c = Canvas::new(W as usize, H as usize);
    c.text(LEFT, 20, title, Anchor::Start, BLACK);
    c.text(LEFT - 6, TOP + 4, &(top / 100).to_string(), Anchor::End, BLACK);
    c.text(LEFT - 6, TOP + plot_h + 4, "0", Anchor::End, BLACK);
    let centre = |i: usize| LEFT + i64::try_from(i).unwrap_or(0) * slot + slot / 2;
    let points = runs(years.iter().enumerate().map(|(i, y)| y.ceiling_hundredths.map(|h| (centre(i), y_of(h)))));
    let path: Vec<(i64, i64)> = years
        .iter()
        .enumerate()
        .filter_map(|(i, y)| y.trajectory_hundredths.map(|t| (LEFT + i64::try_from(i).unwrap_or(0) * slot + slot / 2, y_of(t))))
        .collect();
    for (i, y) in years.iter().enumerate() {
        let x = LEFT + i64::try_from(i).unwrap_or(0) * slot;
        c.fill_rect(x + slot / 6, y_of(y.actual * 100), x + slot / 6 + slot * 2 / 3, TOP + plot_h, BLUE);
        c.text(x + slot / 2, TOP + plot_h + 16, &y.year.to_string(), Anchor::Middle, BLACK);
    }
    for pair in path.windows(2) {
        c.line(pair[0], pair[1], 1, GREY, Some((5, 4)));
    }
    for (a, b) in points.iter().flat_map(|run| run_segments(run, slot / 3)) {
        c.line(a, b, 2, RED, None);
    }
    c.line((LEFT, TOP), (LEFT, TOP + plot_h), 1, AXIS, None);
    c.line((LEFT, TOP + plot_h), (W - RIGHT, TOP + plot_h), 1, AXIS, None);
    let ly = H - 14;
    c.fill_rect(LEFT, ly - 10, LEFT + 12, ly + 2, BLUE);
    c.text(LEFT + 18, ly, actual_label, Anchor::Start, BLACK);
    c.line((LEFT + 140, ly - 4), (LEFT + 160, ly - 4), 2, RED, None);
    c.text(LEFT + 166, ly, ceiling_label, Anchor::Start, BLACK);
    if path.len() > 1 {
        c.line((LEFT + 360, ly - 4), (LEFT + 380, ly - 4), 1, GREY, Some((5, 4)));
        c.text(LEFT + 386, ly, trajectory_label, Anchor::Start, BLACK);
    }
    c.to_png()
}

/// One year of a trend: the value (a count or a percentage, in hundredths; none is "no
/// data"), the value as shown, and a target's ceiling in hundredths if one applies.
pub struct TrendYear {
    pub year: i32,
    pub value_hundredths: Option<i64>,
    pub label: String,
    pub ceiling_hundredths: Option<i64>,
}

/// A small line chart of yearly values, with a dashed line for a target's ceilings when
/// there are any. Every year's point has a `<title>` with the year and the value.
/// The geometry of a trend chart, the same for its SVG and its PNG drawing: the size,
/// the margins, the plot area and the scale's top (hundredths, rounded up to a whole 1).
struct TrendFrame {
    w: i64,
    h: i64,
    left: i64,
    right: i64,
    margin_top: i64,
    plot_w: i64,
    plot_h: i64,
    top: i64,
}

impl TrendFrame {
    fn new(years: &[TrendYear]) -> Self {
        let (w, h, left, right, margin_top, bottom) = (360, 164, 36, 12, 12, 54);
        let max = years.iter().map(|y| y.value_hundredths.unwrap_or(0).max(y.ceiling_hundredths.unwrap_or(0))).max().unwrap_or(0);
        let top = ((max + 99) / 100 * 100).max(100);
        Self { w, h, left, right, margin_top, plot_w: w - left - right, plot_h: h - margin_top - bottom, top }
    }
}

pub fn trend_chart(title: &str, value_label: &str, ceiling_label: &str, years: &[TrendYear]) -> Svg {
    let TrendFrame { w, h, left, right, margin_top, plot_w, plot_h, top } = TrendFrame::new(years);
    let n = i64::try_from(years.len()).unwrap_or(1);
    let x_of = |i: usize| left + if n > 1 { i64::try_from(i).unwrap_or(0) * plot_w / (n - 1) } else { plot_w / 2 };
    let y_of = |v: i64| margin_top + plot_h - v.clamp(0, top) * plot_h / top;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="trend" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{t}" font-family="sans-serif" font-size="11"><title>{t}</title><rect width="{w}" height="{h}" fill="#fff"/><line x1="{left}" y1="{margin_top}" x2="{left}" y2="{b}" stroke="#555"/><line x1="{left}" y1="{b}" x2="{r}" y2="{b}" stroke="#555"/><text x="{lx}" y="{ty}" text-anchor="end">{v}</text><text x="{lx}" y="{zy}" text-anchor="end">0</text>"##,
        t = esc(title),
        b = margin_top + plot_h,
        r = w - right,
        lx = left - 4,
        ty = margin_top + 4,
        v = top / 100,
        zy = margin_top + plot_h + 4,
    );
    // The values: a line broken where there is no data, a dot per year.
    let mut segments: Vec<Vec<String>> = vec![Vec::new()];
    for (i, y) in years.iter().enumerate() {
        match (y.value_hundredths, segments.last_mut()) {
            (Some(v), Some(s)) => s.push(format!("{},{}", x_of(i), y_of(v))),
            _ => segments.push(Vec::new()),
        }
    }
    let ceiling = runs(years.iter().enumerate().map(|(i, y)| y.ceiling_hundredths.map(|c| (x_of(i), y_of(c)))));
    for s in segments.iter().filter(|s| s.len() > 1) {
        let _ = write!(svg, r##"<polyline points="{}" fill="none" stroke="#4a7ab5" stroke-width="2"/>"##, s.join(" "));
    }
    for run in &ceiling {
        let _ = write!(
            svg,
            r##"<polyline class="ceiling" points="{}" fill="none" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="4 3"><title>{}</title></polyline>"##,
            run_points(run, 6),
            esc(ceiling_label)
        );
    }
    for (i, y) in years.iter().enumerate() {
        let (cy, fill) = match y.value_hundredths {
            Some(v) => (y_of(v), "#4a7ab5"),
            None => (margin_top + plot_h, "none"),
        };
        let _ = write!(
            svg,
            r##"<circle class="point" data-year="{yr}" cx="{cx}" cy="{cy}" r="3" fill="{fill}" stroke="#4a7ab5"><title>{yr}: {l}</title></circle>"##,
            yr = y.year,
            cx = x_of(i),
            l = esc(&y.label),
        );
    }
    // The first and last years under the axis, and the legend.
    if let (Some(first), Some(last)) = (years.first(), years.last()) {
        let ly = margin_top + plot_h + 14;
        let _ = write!(svg, r#"<text x="{left}" y="{ly}" text-anchor="start">{}</text>"#, first.year);
        if years.len() > 1 {
            let _ = write!(svg, r#"<text x="{}" y="{ly}" text-anchor="end">{}</text>"#, w - right, last.year);
        }
    }
    // The legend, one line each: the values, then the ceilings if drawn.
    let ly = h - 22;
    let _ = write!(
        svg,
        r##"<line x1="{left}" y1="{m}" x2="{l1}" y2="{m}" stroke="#4a7ab5" stroke-width="2"/><text x="{t1}" y="{ly}">{vl}</text>"##,
        m = ly - 4,
        l1 = left + 16,
        t1 = left + 20,
        vl = esc(value_label)
    );
    if !ceiling.is_empty() {
        let ly = h - 6;
        let _ = write!(
            svg,
            r##"<line x1="{left}" y1="{m}" x2="{l1}" y2="{m}" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="4 3"/><text x="{t1}" y="{ly}">{cl}</text>"##,
            m = ly - 4,
            l1 = left + 16,
            t1 = left + 20,
            cl = esc(ceiling_label)
        );
    }
    svg.push_str("</svg>");
    Svg::new(svg)
}

/// [`trend_chart`] as a PNG: the same geometry (line broken where there is no data, a
/// dot per year, the dashed ceiling, the first and last years, the legend). The SVG's
/// title is only its `<title>`, so the PNG has none either; texts in capitals without diacritics.
pub fn trend_chart_png(value_label: &str, ceiling_label: &str, years: &[TrendYear]) -> Vec<u8> {
    use crate::png::{Anchor, Canvas, AXIS, BLACK, BLUE, RED};
    let TrendFrame { w, h, left, right, margin_top, plot_w, plot_h, top } = TrendFrame::new(years);
    let n = i64::try_from(years.len()).unwrap_or(1);
    let x_of = |i: usize| left + if n > 1 { i64::try_from(i).unwrap_or(0) * plot_w / (n - 1) } else { plot_w / 2 };
    let y_of = |v: i64| margin_top + plot_h - v.clamp(0, top) * plot_h / top;
    let mut c = Canvas::new(w as usize, h as usize);
    c.line((left, margin_top), (left, margin_top + plot_h), 1, AXIS, None);
    c.line((left, margin_top + plot_h), (w - right, margin_top + plot_h), 1, AXIS, None);
    c.text(left - 4, margin_top + 4, &(top / 100).to_string(), Anchor::End, BLACK);
    c.text(left - 4, margin_top + plot_h + 4, "0", Anchor::End, BLACK);
    for pair in years.windows(2).enumerate() {
        let (i, [a, b]) = pair else { continue };
        if let (Some(va), Some(vb)) = (a.value_hundredths, b.value_hundredths) {
            c.line((x_of(i), y_of(va)), (x_of(i + 1), y_of(vb)), 2, BLUE, None);
        }
    }
    let ceiling = runs(years.iter().enumerate().map(|(i, y)| y.ceiling_hundredths.map(|h| (x_of(i), y_of(h)))));
    for (a, b) in ceiling.iter().flat_map(|run| run_segments(run, 6)) {
        c.line(a, b, 1, RED, Some((4, 3)));
    }
    for (i, y) in years.iter().enumerate() {
        match y.value_hundredths {
            Some(v) => c.disc(x_of(i) as f64 + 0.5, y_of(v) as f64 + 0.5, 3.0, BLUE),
            None => c.ring(x_of(i) as f64 + 0.5, (margin_top + plot_h) as f64 + 0.5, 3.0, 1.0, BLUE),
        }
    }
    if let (Some(first), Some(last)) = (years.first(), years.last()) {
        let ly = margin_top + plot_h + 14;
        c.text(left, ly, &first.year.to_string(), Anchor::Start, BLACK);
        if years.len() > 1 {
            c.text(w - right, ly, &last.year.to_string(), Anchor::End, BLACK);
        }
    }
    let ly = h - 22;
    c.line((left, ly - 4), (left + 16, ly - 4), 2, BLUE, None);
    c.text(left + 20, ly, value_label, Anchor::Start, BLACK);
    if !ceiling.is_empty() {
        let ly = h - 6;
        c.line((left, ly - 4), (left + 16, ly - 4), 1, RED, Some((4, 3)));
        c.text(left + 20, ly, ceiling_label, Anchor::Start, BLACK);
    }
    c.to_png()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trend_has_a_point_per_year_and_a_ceiling_only_when_one_applies() {
        let year = |year, v: Option<i64>, c| TrendYear {
            year,
            value_hundredths: v,
            label: v.map_or("–".into(), |v| (v / 100).to_string()),
            ceiling_hundredths: c,
        };
        let years =
            [year(2012, Some(400), None), year(2013, Some(200), Some(380)), year(2014, None, Some(361)), year(2015, Some(0), Some(343))];
        let svg = trend_chart("A & B", "value", "T1 ceiling", &years).to_string();
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>") && svg.contains("<title>A &amp; B</title>"));
        assert_eq!(svg.matches("class=\"point\"").count(), 4);
        assert!(svg.contains("<title>2013: 2</title>") && svg.contains("<title>2014: –</title>"));
        assert_eq!(svg.matches("class=\"ceiling\"").count(), 1);
        // The line breaks at the year with no data: 2012–2013 is drawn, 2015 alone is a dot.
        assert_eq!(svg.matches("<polyline points=").count(), 1);
        // Scale top 4: the 2012 point is at the top of the plot.
        assert!(svg.contains("data-year=\"2012\" cx=\"36\" cy=\"12\""), "{svg}");
        let plain = trend_chart("x", "v", "c", &[year(2020, Some(100), None)]).to_string();
        assert!(!plain.contains("ceiling") && plain.matches("class=\"point\"").count() == 1);
    }

    #[test]
    fn bars_and_the_ceiling_line_follow_the_data() {
        let years = [
            ChartYear { year: 2012, actual: 40, ceiling_hundredths: None, trajectory_hundredths: None },
            ChartYear { year: 2013, actual: 38, ceiling_hundredths: Some(3800), trajectory_hundredths: None },
            ChartYear { year: 2014, actual: 20, ceiling_hundredths: Some(3610), trajectory_hundredths: None },
        ];
        let svg = target_chart("T1 <x> & \"y\"", "counted", "ceiling", "path", &years);
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("class=\"bar\"").count(), 3);
        assert!(svg.contains("<title>T1 &lt;x&gt; &amp; &quot;y&quot;</title>"), "text is escaped");
        // Scale top 40: the 40 bar reaches the top of the plot (y = 40), 20 is half way.
        assert!(svg.contains("data-year=\"2012\" x=\"") && svg.contains("y=\"40\" width"));
        let points = svg.split("points=\"").nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(points.split(' ').count(), 2, "no ceiling in the base year");
        assert!(!svg.contains("trajectory"), "no path drawn without one");
        // Year on year: the ceiling is 95 % of each previous year, the compounded path is drawn
        // beside it, dashed, with its own legend.
        let yoy = [
            ChartYear { year: 2012, actual: 40, ceiling_hundredths: None, trajectory_hundredths: None },
            ChartYear { year: 2013, actual: 20, ceiling_hundredths: Some(3800), trajectory_hundredths: Some(3800) },
            ChartYear { year: 2014, actual: 30, ceiling_hundredths: Some(1900), trajectory_hundredths: Some(3610) },
        ];
        let svg = target_chart("T1", "counted", "ceiling", "compounded path (context)", &yoy);
        assert!(svg.contains("class=\"trajectory\"") && svg.contains("<title>compounded path (context)</title>"), "{svg}");
        assert_eq!(svg.matches("compounded path (context)").count(), 2, "the line's title and the legend");
        // A year that cannot be judged breaks the ceiling line; a lone ceiling is a dash over its bar.
        let broken = [
            ChartYear { year: 2015, actual: 0, ceiling_hundredths: Some(2850), trajectory_hundredths: None },
            ChartYear { year: 2016, actual: 3, ceiling_hundredths: None, trajectory_hundredths: None },
            ChartYear { year: 2017, actual: 2, ceiling_hundredths: Some(285), trajectory_hundredths: None },
            ChartYear { year: 2018, actual: 2, ceiling_hundredths: Some(190), trajectory_hundredths: None },
        ];
        let svg = target_chart("T1", "counted", "ceiling", "path", &broken);
        let lines: Vec<&str> = svg.split("class=\"ceiling\" points=\"").skip(1).map(|p| p.split('"').next().unwrap()).collect();
        assert_eq!(lines.len(), 2, "{svg}");
        let dash: Vec<&str> = lines[0].split(' ').collect();
        assert_eq!(dash.len(), 2, "the lone 2015 ceiling is a dash");
        assert_eq!(dash[0].split(',').nth(1), dash[1].split(',').nth(1), "level");
        assert_eq!(runs([Some((1, 1)), None, None, Some((3, 3)), Some((4, 4))].into_iter()), vec![vec![(1, 1)], vec![(3, 3), (4, 4)]]);
        // Nothing at all still draws an empty chart with a scale of 1.
        assert!(target_chart("x", "a", "b", "c", &[]).contains(">1</text>"));
    }
}
