//! A map of units drawn on the server as SVG: one circle per unit at its centroid,
//! its area proportional to the value. No boundaries (treem holds centroids only),
//! no script, no tiles: the file is complete and readable offline. Its PNG is the same
//! SVG drawn by `crate::raster`, with the units' names written out.

use std::fmt::Write;

use super::chart::{esc, Svg};

/// One unit on the map.
pub struct MapPoint {
    pub unit_id: i64,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    /// A count, or a percentage in hundredths; none is "no data".
    pub value: Option<i64>,
    /// The value as shown to the reader.
    pub label: String,
}

/// The words of the map, in the reader's language.
pub struct MapText<'a> {
    pub title: &'a str,
    pub no_data: &'a str,
    /// Says the circles' area follows the value.
    pub legend: &'a str,
}

const W: f64 = 640.0;
const H: f64 = 560.0;
const TOP: f64 = 36.0;
const LEGEND: f64 = 70.0;
const MARGIN: f64 = 24.0;
const R_MAX: f64 = 22.0;
const BLUE: &str = "#4a7ab5";
const GREY: &str = "#888";

/// The legend's circles, the largest value and half of it: (centre x, radius, value),
/// and the x where the legend goes on.
fn legend_circles(max: i64) -> (Vec<(f64, f64, i64)>, f64) {
    let mut x = MARGIN + R_MAX;
    let mut out = Vec::new();
    if max > 0 {
        for v in [max, max / 2].into_iter().filter(|v| *v > 0) {
            let r = radius(v, max);
            out.push((x, r, v));
            x += r + 120.0;
        }
    }
    (out, x)
}

/// The radius of a value's circle: area proportional to the value (0 is a dot).
fn radius(value: i64, max: i64) -> f64 {
    if value <= 0 || max <= 0 {
        return 1.5;
    }
    // Values are counts or hundredths: exact as f64.
    (R_MAX * (value as f64 / max as f64).sqrt()).max(2.0)
}

/// The projection of a map: equirectangular (longitudes shrunk by the cosine of the
/// middle latitude), fitted to the points' bounding box with a margin.
struct Fit {
    min_lon: f64,
    max_lat: f64,
    shrink: f64,
    scale: f64,
    off_x: f64,
    off_y: f64,
}

impl Fit {
    fn of(points: &[MapPoint]) -> Option<Fit> {
        if points.is_empty() {
            return None;
        }
        let (mut min_lat, mut max_lat, mut min_lon, mut max_lon) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for p in points {
            min_lat = min_lat.min(p.lat);
            max_lat = max_lat.max(p.lat);
            min_lon = min_lon.min(p.lon);
            max_lon = max_lon.max(p.lon);
        }
        let shrink = ((min_lat + max_lat) / 2.0).to_radians().cos().abs().max(0.01);
        // At least a hundredth of a degree each way, so one unit alone sits in the middle.
        let span_x = ((max_lon - min_lon) * shrink).max(0.01);
        let span_y = (max_lat - min_lat).max(0.01);
        let (box_w, box_h) = (W - 2.0 * MARGIN - 2.0 * R_MAX, H - TOP - LEGEND - 2.0 * R_MAX);
        let scale = (box_w / span_x).min(box_h / span_y);
        Some(Fit { min_lon, max_lat, shrink, scale, off_x: (box_w - span_x * scale) / 2.0, off_y: (box_h - span_y * scale) / 2.0 })
    }

    fn x(&self, lon: f64) -> f64 {
        MARGIN + R_MAX + self.off_x + (lon - self.min_lon) * self.shrink * self.scale
    }

    fn y(&self, lat: f64) -> f64 {
        TOP + R_MAX + self.off_y + (self.max_lat - lat) * self.scale
    }
}

/// The size of the units' names on the PNG map, in pixels.
const NAME_SIZE: f64 = 9.0;

/// Where a unit's name is written: its baseline's start, middle or end, and the box it takes.
#[derive(Debug)]
struct Label {
    x: f64,
    y: f64,
    anchor: &'static str,
    /// Left, top, right, bottom.
    area: (f64, f64, f64, f64),
}

/// The units' names, largest value first, each beside its circle (right, left, above or
/// below, the first place free): a name that would cover another, or leave the map, is
/// left out (a crowded map of communes names the larger ones; the SVG's titles and the
/// table name every unit). Widths are estimated at 0.6 em a character, wider than Noto Sans's.
fn name_labels<'a>(fit: &Fit, points: &'a [MapPoint], max: i64) -> Vec<(Label, &'a MapPoint)> {
    let mut placed: Vec<(Label, &MapPoint)> = Vec::new();
    for p in drawing_order(points) {
        let (x, y) = (fit.x(p.lon), fit.y(p.lat));
        let r = p.value.map_or(4.0, |v| radius(v, max));
        let w = NAME_SIZE * 0.6 * p.name.chars().count() as f64;
        let (up, down) = (NAME_SIZE * 0.8, NAME_SIZE * 0.25);
        let candidates = [
            (x + r + 2.0, y + 3.0, "start", x + r + 2.0),
            (x - r - 2.0, y + 3.0, "end", x - r - 2.0 - w),
            (x, y - r - 3.0, "middle", x - w / 2.0),
            (x, y + r + 3.0 + up, "middle", x - w / 2.0),
        ];
        let free = candidates
            .into_iter()
            .map(|(lx, ly, anchor, left)| Label { x: lx, y: ly, anchor, area: (left, ly - up, left + w, ly + down) })
            .find(|l| {
                let (l0, t0, r0, b0) = l.area;
                (0.0..=W).contains(&l0)
                    && r0 <= W
                    && t0 >= TOP
                    && b0 <= H - LEGEND
                    && placed.iter().all(|(o, _)| r0 <= o.area.0 || o.area.2 <= l0 || b0 <= o.area.1 || o.area.3 <= t0)
            });
        if let Some(label) = free {
            placed.push((label, p));
        }
    }
    placed
}

/// Large circles first, so small ones stay on top and can be pointed at.
fn drawing_order(points: &[MapPoint]) -> Vec<&MapPoint> {
    let mut order: Vec<&MapPoint> = points.iter().collect();
    order.sort_by_key(|p| std::cmp::Reverse(p.value.unwrap_or(-1)));
    order
}

/// [`unit_map`] as a PNG: the same SVG drawn by resvg in the embedded font, with each
/// unit's name written beside its circle (a picture has no hover titles to name them).
pub fn unit_map_png(text: &MapText<'_>, points: &[MapPoint], format: &dyn Fn(i64) -> String) -> Result<Vec<u8>, treem_app::AppError> {
    crate::raster::svg_to_png(&map_svg(text, points, format, true))
}

/// The map of `points`: an equirectangular projection (longitudes shrunk by the cosine of
/// the middle latitude) fitted to their bounding box with a margin. `format` writes a
/// value for the legend. The units' circles are the only `<circle>` elements (the legend
/// uses ellipses), each with a `<title>` naming the unit and its value.
pub fn unit_map(text: &MapText<'_>, points: &[MapPoint], format: &dyn Fn(i64) -> String) -> Svg {
    Svg::new(map_svg(text, points, format, false))
}

/// [`unit_map`]'s SVG; with `names`, each unit's name is also written to the right of its
/// circle, small, on a white halo so that it stays readable over the circles.
fn map_svg(text: &MapText<'_>, points: &[MapPoint], format: &dyn Fn(i64) -> String, names: bool) -> String {
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="unit-map" viewBox="0 0 {W} {H}" width="{W}" height="{H}" role="img" aria-label="{t}" font-family="sans-serif" font-size="12"><title>{t}</title><rect width="{W}" height="{H}" fill="#fff"/><text x="{MARGIN}" y="22" font-size="14" font-weight="bold">{t}</text>"##,
        t = esc(text.title)
    );
    let max = points.iter().filter_map(|p| p.value).max().unwrap_or(0);
    if let Some(fit) = Fit::of(points) {
        for p in drawing_order(points) {
            let (x, y) = (fit.x(p.lon), fit.y(p.lat));
            let style = match p.value {
                None => format!(r#"r="4" fill="none" stroke="{GREY}" stroke-width="1.5" data-no-data="""#),
                Some(v) => format!(r#"r="{:.1}" fill="{BLUE}" fill-opacity="0.6" stroke="{BLUE}" stroke-width="1""#, radius(v, max)),
            };
            let _ = write!(
                svg,
                r#"<circle class="unit" data-unit="{id}" cx="{x:.1}" cy="{y:.1}" {style}><title>{n}: {l}</title></circle>"#,
                id = p.unit_id,
                n = esc(&p.name),
                l = esc(&p.label),
            );
        }
        if names {
            for (label, p) in name_labels(&fit, points, max) {
                let _ = write!(
                    svg,
                    r##"<text class="unit-name" x="{x:.1}" y="{y:.1}" text-anchor="{a}" font-size="{NAME_SIZE}" fill="#222" stroke="#fff" stroke-width="2" stroke-linejoin="round" paint-order="stroke">{n}</text>"##,
                    x = label.x,
                    y = label.y,
                    a = label.anchor,
                    n = esc(&p.name),
                );
            }
        }
    }
    // The legend: the largest value, half of it, and "no data".
    let ly = H - LEGEND / 2.0;
    let _ = write!(svg, r#"<text x="{MARGIN}" y="{y}">{l}</text>"#, y = ly - R_MAX - 4.0, l = esc(text.legend));
    let (circles, x) = legend_circles(max);
    for (x, r, v) in circles {
        let _ = write!(
            svg,
            r#"<ellipse cx="{x:.1}" cy="{ly:.1}" rx="{r:.1}" ry="{r:.1}" fill="{BLUE}" fill-opacity="0.6" stroke="{BLUE}"/><text x="{tx:.1}" y="{ty:.1}">{l}</text>"#,
            tx = x + r + 4.0,
            ty = ly + 4.0,
            l = esc(&format(v)),
        );
    }
    let _ = write!(
        svg,
        r#"<ellipse cx="{x:.1}" cy="{ly:.1}" rx="4" ry="4" fill="none" stroke="{GREY}" stroke-width="1.5"/><text x="{tx:.1}" y="{ty:.1}">{l}</text></svg>"#,
        tx = x + 10.0,
        ty = ly + 4.0,
        l = esc(text.no_data),
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(id: i64, lat: f64, lon: f64, value: Option<i64>) -> MapPoint {
        MapPoint { unit_id: id, name: format!("Xã <{id}>"), lat, lon, value, label: value.map_or("–".into(), |v| v.to_string()) }
    }

    fn attr(svg: &str, unit: i64, name: &str) -> f64 {
        let at = svg.find(&format!("data-unit=\"{unit}\"")).unwrap();
        svg[at..].split(&format!(" {name}=\"")).nth(1).unwrap().split('"').next().unwrap().parse().unwrap()
    }

    #[test]
    fn the_png_names_units_where_there_is_room_and_never_one_name_over_another() {
        let apart = [point(1, 10.0, 105.0, Some(4)), point(2, 11.0, 106.0, Some(1)), point(3, 10.5, 105.5, None)];
        let fit = Fit::of(&apart).unwrap();
        let labels = name_labels(&fit, &apart, 4);
        assert_eq!(labels.len(), 3, "{:?}", labels.iter().map(|l| &l.0).collect::<Vec<_>>());
        let svg = map_svg(&MapText { title: "t", no_data: "n", legend: "l" }, &apart, &|v| v.to_string(), true);
        assert_eq!(svg.matches("class=\"unit-name\"").count(), 3);
        assert!(svg.contains(">Xã &lt;1&gt;</text>"));
        assert!(!unit_map(&MapText { title: "t", no_data: "n", legend: "l" }, &apart, &|v| v.to_string())
            .to_string()
            .contains("unit-name"));
        // Forty units on top of one another: some names, none overlapping, the largest named.
        let crowded: Vec<MapPoint> = (0..40).map(|i| point(i, 10.0 + f64::from(i as i32) * 0.000_01, 105.0, Some(i + 1))).collect();
        let fit = Fit::of(&crowded).unwrap();
        let labels = name_labels(&fit, &crowded, 40);
        assert!(labels.len() > 1 && labels.len() < 40 && labels[0].1.unit_id == 39, "{}", labels.len());
        for (i, (a, _)) in labels.iter().enumerate() {
            for (b, _) in &labels[i + 1..] {
                assert!(a.area.2 <= b.area.0 || b.area.2 <= a.area.0 || a.area.3 <= b.area.1 || b.area.3 <= a.area.1, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn circles_sit_at_their_place_with_an_area_following_the_value() {
        let points =
            [point(1, 10.0, 105.0, Some(4)), point(2, 11.0, 106.0, Some(1)), point(3, 10.5, 105.5, None), point(4, 10.2, 105.9, Some(0))];
        let svg =
            unit_map(&MapText { title: "T & t", no_data: "no data", legend: "area ∝ value" }, &points, &|v| v.to_string()).to_string();
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<circle").count(), 4, "one circle per unit, none in the legend");
        assert!(svg.contains("<title>Xã &lt;1&gt;: 4</title>") && svg.contains("<title>T &amp; t</title>"));
        // North is up, east is right; the middle unit is in the middle.
        assert!(attr(&svg, 2, "cx") > attr(&svg, 1, "cx") && attr(&svg, 2, "cy") < attr(&svg, 1, "cy"));
        let mid = (attr(&svg, 1, "cx") + attr(&svg, 2, "cx")) / 2.0;
        assert!((attr(&svg, 3, "cx") - mid).abs() < 0.2);
        // Four times the value, twice the radius (area × 4).
        assert!((attr(&svg, 1, "r") - 2.0 * attr(&svg, 2, "r")).abs() < 0.11);
        assert!(svg.contains("data-no-data") && attr(&svg, 4, "r") < 2.0);
        // Everything inside the picture.
        for id in 1..=4 {
            let (x, y) = (attr(&svg, id, "cx"), attr(&svg, id, "cy"));
            assert!((0.0..W).contains(&x) && (TOP..H - LEGEND).contains(&y), "{id}: {x},{y}");
        }
        // One unit alone, or none, still draws.
        assert_eq!(
            unit_map(&MapText { title: "x", no_data: "n", legend: "l" }, &points[..1], &|v| v.to_string())
                .to_string()
                .matches("<circle")
                .count(),
            1
        );
        assert_eq!(
            unit_map(&MapText { title: "x", no_data: "n", legend: "l" }, &[], &|v| v.to_string()).to_string().matches("<circle").count(),
            0
        );
    }
}
