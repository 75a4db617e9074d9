//! PNG downloads of the charts, decoded with the `png` crate (signature, chunk CRCs and
//! zlib checked as it reads) and checked by the colour of pixels where the drawing must
//! have put them; on every backend.

use axum::http::StatusCode;
use time::macros::date;
use treem_demo::{bulk, Scale};

use crate::harness::apps;
use crate::shared::download;

/// A decoded PNG: width, height and RGBA pixels.
struct Picture {
    width: usize,
    height: usize,
    rgba: Vec<u8>,
}

impl Picture {
    fn rgb(&self, x: usize, y: usize) -> [u8; 3] {
        let at = (y * self.width + x) * 4;
        assert_eq!(self.rgba[at + 3], 255, "opaque at {x},{y}");
        [self.rgba[at], self.rgba[at + 1], self.rgba[at + 2]]
    }

    fn pixels(&self) -> impl Iterator<Item = [u8; 3]> + '_ {
        self.rgba.chunks(4).map(|c| [c[0], c[1], c[2]])
    }
}

/// Reads a PNG: the signature, then the `png` crate's decoder (8-bit RGBA, as resvg writes).
fn decode(png: &[u8]) -> Picture {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "signature");
    let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
    let mut rgba = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut rgba).unwrap();
    assert_eq!((frame.color_type, frame.bit_depth), (png::ColorType::Rgba, png::BitDepth::Eight));
    rgba.truncate(frame.buffer_size());
    Picture { width: frame.width as usize, height: frame.height as usize, rgba }
}

/// Colours within `by` of each other in every channel (anti-aliased edges, blending).
fn near(a: [u8; 3], b: [u8; 3], by: u8) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= by)
}

const BLUE: [u8; 3] = [0x4a, 0x7a, 0xb5];
const WHITE: [u8; 3] = [0xff, 0xff, 0xff];

#[tokio::test]
async fn the_target_chart_and_the_map_download_as_valid_pngs_with_the_bars_where_they_belong() {
    for t in apps().await {
        let officer_id = t.account("tinh", "provincial_officer", "82", None).await;
        let data = bulk(Scale::Sample, &t.app.units.catalog(), treem_domain::calendar::today_in_vietnam(), 5).unwrap();
        t.app.load_generated(&data, officer_id, "sample seed 5").await.unwrap();
        let plan = treem_app::plans::parse_plan_toml("plan", treem_domain::bundled::PLAN_DONG_THAP_2013).unwrap();
        t.app.plans.import(treem_app::accounts::Operator::Cli, &plan).await.unwrap();
        let session = t.session("tinh").await;
        let page = t.page("/plans/dt-2013-ct20", &session).await.body;
        assert!(page.contains("href=\"/plans/dt-2013-ct20/targets/T1/chart.svg?format=png\""), "{page}");
        let (status, headers, png) = download(&t, "/plans/dt-2013-ct20/targets/T1/chart.svg?format=png", &session).await;
        if let Ok(dir) = std::env::var("TREEM_TEST_PNG_DIR") {
            std::fs::write(format!("{dir}/target-{}.png", t.backend), &png).unwrap();
        }
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "image/png");
        assert_eq!(headers["content-disposition"], "attachment; filename=\"dt-2013-ct20-T1.png\"");
        let p = decode(&png);
        assert_eq!((p.width, p.height), (640, 320));
        // The bars: the chart's geometry (plot 576 × 224 from (48, 40)), one slot per year.
        let token = t.token("tinh").await;
        let progress = t.api("GET", "/api/v1/plans/dt-2013-ct20/progress", &token, None).await.json();
        let years: Vec<(i64, i64)> = progress.as_array().unwrap().iter().find(|x| x["target_id"] == "T1").unwrap()["years"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| (y["year"].as_i64().unwrap(), y["actual"].as_i64().unwrap()))
            .collect();
        assert!(years.len() > 3 && years.iter().any(|(_, n)| *n > 0));
        let slot = 576 / years.len();
        for (i, (year, actual)) in years.iter().enumerate() {
            let x = 48 + i * slot + slot / 6 + slot / 3;
            // Just above the axis: blue under a bar, white where the year counted nothing.
            let expected = if *actual > 0 { BLUE } else { WHITE };
            assert_eq!(p.rgb(x, 262), expected, "{} year {year}: {actual}", t.backend);
        }
        // The tallest bar reaches the scale's top (y = 40); above it is white.
        let (tallest, _) = years.iter().enumerate().max_by_key(|(_, (_, n))| *n).unwrap();
        let x = 48 + tallest * slot + slot / 6 + slot / 3;
        let top = years[tallest].1 * 100;
        assert_eq!((top + 99) / 100 * 100, top, "counts are whole");
        assert_eq!((p.rgb(x, 40), p.rgb(x, 38)), (BLUE, WHITE));
        // The trend chart of the same indicator (as on /indicators): a dot per year where the
        // SVG puts it, from T1's base year to this year, scale from the largest value or ceiling.
        let page = t.page("/indicators", &session).await.body;
        assert!(page.contains("href=\"/indicators/incidents.sexual_abuse/trend?format=png\""), "{page}");
        let (status, headers, png) = download(&t, "/indicators/incidents.sexual_abuse/trend?format=png", &session).await;
        assert_eq!((status, &headers["content-type"]), (StatusCode::OK, &"image/png".parse::<axum::http::HeaderValue>().unwrap()));
        if let Ok(dir) = std::env::var("TREEM_TEST_PNG_DIR") {
            std::fs::write(format!("{dir}/trend-{}.png", t.backend), &png).unwrap();
        }
        let trend = decode(&png);
        assert_eq!((trend.width, trend.height), (360, 164));
        let t1 = progress.as_array().unwrap().iter().find(|x| x["target_id"] == "T1").unwrap()["years"].as_array().unwrap().clone();
        let this_year = treem_domain::calendar::today_in_vietnam().year();
        let from = t1[0]["year"].as_i64().unwrap().min(i64::from(this_year) - 5);
        let values = t
            .api("GET", &format!("/api/v1/indicators/incidents.sexual_abuse/values?from={from}&to={this_year}"), &token, None)
            .await
            .json();
        let values: Vec<i64> = values.as_array().unwrap().iter().map(|v| v["value"].as_str().unwrap().parse::<i64>().unwrap()).collect();
        let hundredths = |s: &str| -> i64 { (s.parse::<f64>().unwrap() * 100.0).round() as i64 };
        let max = t1.iter().filter_map(|y| y["ceiling"].as_str().map(hundredths)).chain(values.iter().map(|v| v * 100)).max().unwrap();
        let top = ((max + 99) / 100 * 100).max(100);
        let n = values.len() as i64;
        for (i, v) in values.iter().enumerate() {
            let (x, y) = (36 + i as i64 * 312 / (n - 1), 12 + 98 - (v * 100).clamp(0, top) * 98 / top);
            assert_eq!(trend.rgb(x as usize, y as usize), BLUE, "{} year {}: {v}", t.backend, from + i as i64);
        }
        let svg = String::from_utf8(download(&t, "/indicators/incidents.sexual_abuse/trend", &session).await.2).unwrap();
        assert!(svg.starts_with("<svg ") && svg.contains("class=\"ceiling\""));
        // Not a PNG of anything else.
        let (status, _, _) = download(&t, "/plans/dt-2013-ct20/targets/T1/chart.svg?format=gif", &session).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        // The map of communes: a blue circle's outline at the place of the commune with the most.
        let base = format!("/indicators/children.under_16?year=2015&on={}&level=commune", date!(2015 - 12 - 31));
        let page = t.page(&base, &session).await.body;
        assert!(page.contains("id=\"breakdown-png\""), "{page}");
        let (status, headers, png) = download(&t, &format!("{base}&format=png"), &session).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-disposition"], "attachment; filename=\"children.under_16-2015-commune.png\"");
        let p = decode(&png);
        assert_eq!((p.width, p.height), (640, 560));
        let svg = String::from_utf8(download(&t, &format!("{base}&format=svg"), &session).await.2).unwrap();
        // The largest circle of the SVG (r = 22): its centre in the PNG is light blue, its rim blue.
        let at = svg.find("r=\"22.0\"").unwrap();
        let circle = &svg[svg[..at].rfind("<circle").unwrap()..at];
        let num = |name: &str| -> f64 { circle.split(&format!("{name}=\"")).nth(1).unwrap().split('"').next().unwrap().parse().unwrap() };
        let (cx, cy) = (num("cx"), num("cy"));
        if let Ok(dir) = std::env::var("TREEM_TEST_PNG_DIR") {
            std::fs::write(format!("{dir}/map-{}.png", t.backend), &png).unwrap();
        }
        // Blue at 60 % opacity over white, once or, where circles overlap, several times.
        let layers = |k: i32| BLUE.map(|c| (255.0 * 0.4f64.powi(k) + f64::from(c) * (1.0 - 0.4f64.powi(k))).round() as u8);
        let centre = p.rgb(cx as usize, cy as usize);
        assert!((1..=4).any(|k| near(centre, layers(k), 2)), "{} centre {cx},{cy}: {centre:?}", t.backend);
        assert_eq!(layers(1), [0x92, 0xaf, 0xd3]);
        // Its rim (the 1-pixel outline at r = 22, anti-aliased) is darker than the light blue
        // just inside, where no smaller circle or name was drawn over it.
        let ray = |dx: f64, dy: f64| {
            let at = |d: f64| p.rgb((cx + dx * d) as usize, (cy + dy * d) as usize)[0];
            (40..48).map(|d| at(f64::from(d) / 2.0)).min().unwrap() + 20 < at(18.0)
        };
        assert!([(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)].iter().any(|(dx, dy)| ray(*dx, *dy)), "rim");
        assert!(p.pixels().filter(|c| near(*c, BLUE, 8)).count() > 100);
        // The units' names are written (dark text) in the map's area, not only its title and legend.
        let dark =
            |y0: usize, y1: usize| (y0..y1).flat_map(|y| (0..640).map(move |x| (x, y))).filter(|(x, y)| p.rgb(*x, *y)[0] < 80).count();
        assert!(dark(40, 480) > 500, "names on the map: {}", dark(40, 480));
        assert_eq!(p.rgb(2, 2), WHITE);
    }
}
