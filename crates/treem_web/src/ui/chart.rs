//! Server-drawn SVG charts: no script, no library, readable without JavaScript and
//! downloadable as a file (or as a PNG of the same SVG, `crate::raster`). Every text is escaped.

use std::fmt::Write;

use crate::i18n::Lang;

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

/// Bars for the yearly counts, a line for the target's ceilings and, when there is one, a
/// dashed line for the compounded path (context, labelled as such), with a legend.
pub fn target_chart(
    lang: Lang,
    title: &str,
    actual_label: &str,
    ceiling_label: &str,
    trajectory_label: &str,
    years: &[ChartYear],
) -> String {
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
        v = lang.integer(top / 100),
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
            a = lang.integer(y.actual),
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

/// [`target_chart`] as a PNG: the same SVG, drawn by resvg in the embedded font (every
/// diacritic shown; the hover titles are not, a picture has none).
pub fn target_chart_png(
    lang: Lang,
    title: &str,
    actual_label: &str,
    ceiling_label: &str,
    trajectory_label: &str,
    years: &[ChartYear],
) -> Result<Vec<u8>, treem_app::AppError> {
    crate::raster::svg_to_png(&target_chart(lang, title, actual_label, ceiling_label, trajectory_label, years))
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
/// The geometry of a trend chart: the size, the margins, the plot area and the scale's top (hundredths, rounded up to a whole 1).
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

pub fn trend_chart(lang: Lang, title: &str, value_label: &str, ceiling_label: &str, years: &[TrendYear]) -> Svg {
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
        v = lang.integer(top / 100),
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

/// [`trend_chart`] as a PNG: the same SVG, drawn by resvg in the embedded font. The SVG's
/// title is only its `<title>` (the page says it above the chart), so the PNG has none either.
pub fn trend_chart_png(lang: Lang, value_label: &str, ceiling_label: &str, years: &[TrendYear]) -> Result<Vec<u8>, treem_app::AppError> {
    crate::raster::svg_to_png(&trend_chart(lang, "", value_label, ceiling_label, years).into_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The time to draw one target chart's PNG, printed (docs/PERFORMANCE.md):
    /// `cargo test -p treem_web --release --lib png_render_time -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement, run by hand in release mode"]
    fn png_render_time() {
        let years: Vec<ChartYear> = (2012..2026)
            .map(|year| ChartYear {
                year,
                actual: 40 - i64::from(year - 2012),
                ceiling_hundredths: (year > 2012).then_some(3800),
                trajectory_hundredths: (year > 2012).then_some(3600),
            })
            .collect();
        let title = "T1 – Tỉ lệ trẻ em có hoàn cảnh đặc biệt";
        let start = std::time::Instant::now();
        let mut bytes = 0;
        for _ in 0..50 {
            bytes += target_chart_png(Lang::Vi, title, "đếm được", "mức trần", "lộ trình (bối cảnh)", &years).unwrap().len();
        }
        println!("one target chart PNG: {:?} ({} bytes)", start.elapsed() / 50, bytes / 50);
    }

    /// Pixels not white-ish in rows `rows` of a decoded PNG.
    fn inked(png: &[u8], rows: std::ops::Range<u32>) -> usize {
        let p = resvg::tiny_skia::Pixmap::decode_png(png).unwrap();
        rows.flat_map(|y| (0..p.width()).map(move |x| (x, y))).filter(|(x, y)| p.pixel(*x, *y).is_some_and(|c| c.red() < 200)).count()
    }

    #[test]
    fn the_png_draws_the_title_with_its_diacritics() {
        let years = [
            ChartYear { year: 2012, actual: 40, ceiling_hundredths: None, trajectory_hundredths: None },
            ChartYear { year: 2013, actual: 30, ceiling_hundredths: Some(3800), trajectory_hundredths: None },
        ];
        let png = |title: &str| target_chart_png(Lang::Vi, title, "Số đếm được", "Mức trần", "Lộ trình", &years).unwrap();
        let vietnamese = png("Tỉ lệ trẻ em có hoàn cảnh đặc biệt");
        let plain = png("Ti le tre em co hoan canh dac biet");
        assert_eq!(&vietnamese[..8], b"\x89PNG\r\n\x1a\n");
        let p = resvg::tiny_skia::Pixmap::decode_png(&vietnamese).unwrap();
        assert_eq!((p.width(), p.height()), (640, 320));
        // The title (baseline y = 20, bold 14 px) is drawn, and its diacritics add ink to it:
        // the accents above, the dots below (ặ, ệ).
        let (with, without) = (inked(&vietnamese, 0..30), inked(&plain, 0..30));
        assert!(without > 300, "the title is drawn in the embedded font: {without} pixels");
        assert!(with > without + 40, "the diacritics are drawn: {with} against {without} pixels");
        // Only the title differs: the rest of the chart is pixel for pixel the same.
        let rows = |png: &[u8]| resvg::tiny_skia::Pixmap::decode_png(png).unwrap().data()[30 * 640 * 4..].to_vec();
        assert_eq!(rows(&vietnamese), rows(&plain));
        let top = |png: &[u8]| resvg::tiny_skia::Pixmap::decode_png(png).unwrap().data()[..30 * 640 * 4].to_vec();
        assert_ne!(top(&vietnamese), top(&plain));
        // The legend's texts are drawn too (rows under the plot), bars in the chart's blue.
        assert!(inked(&vietnamese, 296..320) > 200);
        assert!(p.pixels().iter().any(|c| (c.red(), c.green(), c.blue()) == (0x4a, 0x7a, 0xb5)));
    }

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
        let svg = trend_chart(Lang::En, "A & B", "value", "T1 ceiling", &years).to_string();
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>") && svg.contains("<title>A &amp; B</title>"));
        assert_eq!(svg.matches("class=\"point\"").count(), 4);
        assert!(svg.contains("<title>2013: 2</title>") && svg.contains("<title>2014: –</title>"));
        assert_eq!(svg.matches("class=\"ceiling\"").count(), 1);
        // The line breaks at the year with no data: 2012–2013 is drawn, 2015 alone is a dot.
        assert_eq!(svg.matches("<polyline points=").count(), 1);
        // Scale top 4: the 2012 point is at the top of the plot.
        assert!(svg.contains("data-year=\"2012\" cx=\"36\" cy=\"12\""), "{svg}");
        let plain = trend_chart(Lang::En, "x", "v", "c", &[year(2020, Some(100), None)]).to_string();
        assert!(!plain.contains("ceiling") && plain.matches("class=\"point\"").count() == 1);
    }

    #[test]
    fn bars_and_the_ceiling_line_follow_the_data() {
        let years = [
            ChartYear { year: 2012, actual: 40, ceiling_hundredths: None, trajectory_hundredths: None },
            ChartYear { year: 2013, actual: 38, ceiling_hundredths: Some(3800), trajectory_hundredths: None },
            ChartYear { year: 2014, actual: 20, ceiling_hundredths: Some(3610), trajectory_hundredths: None },
        ];
        let svg = target_chart(Lang::En, "T1 <x> & \"y\"", "counted", "ceiling", "path", &years);
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
        let svg = target_chart(Lang::En, "T1", "counted", "ceiling", "compounded path (context)", &yoy);
        assert!(svg.contains("class=\"trajectory\"") && svg.contains("<title>compounded path (context)</title>"), "{svg}");
        assert_eq!(svg.matches("compounded path (context)").count(), 2, "the line's title and the legend");
        // A year that cannot be judged breaks the ceiling line; a lone ceiling is a dash over its bar.
        let broken = [
            ChartYear { year: 2015, actual: 0, ceiling_hundredths: Some(2850), trajectory_hundredths: None },
            ChartYear { year: 2016, actual: 3, ceiling_hundredths: None, trajectory_hundredths: None },
            ChartYear { year: 2017, actual: 2, ceiling_hundredths: Some(285), trajectory_hundredths: None },
            ChartYear { year: 2018, actual: 2, ceiling_hundredths: Some(190), trajectory_hundredths: None },
        ];
        let svg = target_chart(Lang::En, "T1", "counted", "ceiling", "path", &broken);
        let lines: Vec<&str> = svg.split("class=\"ceiling\" points=\"").skip(1).map(|p| p.split('"').next().unwrap()).collect();
        assert_eq!(lines.len(), 2, "{svg}");
        let dash: Vec<&str> = lines[0].split(' ').collect();
        assert_eq!(dash.len(), 2, "the lone 2015 ceiling is a dash");
        assert_eq!(dash[0].split(',').nth(1), dash[1].split(',').nth(1), "level");
        assert_eq!(runs([Some((1, 1)), None, None, Some((3, 3)), Some((4, 4))].into_iter()), vec![vec![(1, 1)], vec![(3, 3), (4, 4)]]);
        // Nothing at all still draws an empty chart with a scale of 1.
        assert!(target_chart(Lang::En, "x", "a", "b", "c", &[]).contains(">1</text>"));
    }
}
