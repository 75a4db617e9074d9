//! PNG downloads of the charts, checked by a reader written here (signature, chunk
//! CRCs, zlib header and Adler-32, an inflate for fixed-Huffman blocks) and by the
//! colour of pixels where the drawing must have put them; on every backend.

use axum::http::StatusCode;
use time::macros::date;
use treem_demo::{bulk, Scale};

use crate::harness::apps;
use crate::shared::download;

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

struct BitReader<'a> {
    data: &'a [u8],
    at: usize,
}

impl BitReader<'_> {
    fn bit(&mut self) -> u32 {
        let byte = self.data[self.at / 8];
        let bit = (byte >> (self.at % 8)) & 1;
        self.at += 1;
        u32::from(bit)
    }

    fn bits(&mut self, n: u8) -> u32 {
        (0..n).fold(0, |v, i| v | (self.bit() << i))
    }

    /// A symbol of the fixed literal/length code (codes read most significant bit first).
    fn literal(&mut self) -> u32 {
        let mut code = 0;
        for len in 1..=9 {
            code = (code << 1) | self.bit();
            match (len, code) {
                (7, 0..=23) => return 256 + code,
                (8, 48..=191) => return code - 48,
                (8, 192..=199) => return 280 + code - 192,
                (9, 400..=511) => return 144 + code - 400,
                _ => {}
            }
        }
        panic!("not a fixed Huffman code: {code:b}");
    }
}

/// Inflates a deflate stream made of fixed-Huffman blocks.
fn inflate(data: &[u8]) -> Vec<u8> {
    const LEN: [(u32, u8); 29] = [
        (3, 0),
        (4, 0),
        (5, 0),
        (6, 0),
        (7, 0),
        (8, 0),
        (9, 0),
        (10, 0),
        (11, 1),
        (13, 1),
        (15, 1),
        (17, 1),
        (19, 2),
        (23, 2),
        (27, 2),
        (31, 2),
        (35, 3),
        (43, 3),
        (51, 3),
        (59, 3),
        (67, 4),
        (83, 4),
        (99, 4),
        (115, 4),
        (131, 5),
        (163, 5),
        (195, 5),
        (227, 5),
        (258, 0),
    ];
    let dist_of = |code: u32| -> (u32, u8) {
        if code < 4 {
            (code + 1, 0)
        } else {
            let extra = (code / 2 - 1) as u8;
            ((2 + (code & 1)) << extra | 1, extra)
        }
    };
    let mut r = BitReader { data, at: 0 };
    let mut out: Vec<u8> = Vec::new();
    loop {
        let last = r.bit();
        assert_eq!(r.bits(2), 1, "a fixed-Huffman block");
        loop {
            let sym = r.literal();
            match sym {
                0..=255 => out.push(sym as u8),
                256 => break,
                _ => {
                    let (base, extra) = LEN[(sym - 257) as usize];
                    let len = base + r.bits(extra);
                    let code = (0..5).fold(0, |v, _| (v << 1) | r.bit());
                    let (base, extra) = dist_of(code);
                    let dist = (base + r.bits(extra)) as usize;
                    assert!(dist <= out.len(), "distance {dist} before the start");
                    for _ in 0..len {
                        out.push(out[out.len() - dist]);
                    }
                }
            }
        }
        if last == 1 {
            return out;
        }
    }
}

/// A decoded PNG: width, height, palette and one palette index per pixel.
struct Picture {
    width: usize,
    height: usize,
    palette: Vec<[u8; 3]>,
    pixels: Vec<u8>,
}

impl Picture {
    fn rgb(&self, x: usize, y: usize) -> [u8; 3] {
        self.palette[usize::from(self.pixels[y * self.width + x])]
    }
}

/// Reads a PNG, checking every chunk's CRC, the zlib header and its Adler-32.
fn decode(png: &[u8]) -> Picture {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "signature");
    let (mut at, mut header, mut palette, mut idat, mut ended) = (8, Vec::new(), Vec::new(), Vec::new(), false);
    while at < png.len() {
        let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
        let typed = &png[at + 4..at + 8 + len];
        let crc = u32::from_be_bytes(png[at + 8 + len..at + 12 + len].try_into().unwrap());
        assert_eq!(crc, crc32(typed), "CRC of {}", String::from_utf8_lossy(&typed[..4]));
        match &typed[..4] {
            b"IHDR" => header = typed[4..].to_vec(),
            b"PLTE" => palette = typed[4..].chunks(3).map(|c| [c[0], c[1], c[2]]).collect(),
            b"IDAT" => idat.extend_from_slice(&typed[4..]),
            b"IEND" => ended = true,
            other => panic!("unexpected chunk {other:?}"),
        }
        at += 12 + len;
    }
    assert!(ended && header.len() == 13);
    let width = u32::from_be_bytes(header[0..4].try_into().unwrap()) as usize;
    let height = u32::from_be_bytes(header[4..8].try_into().unwrap()) as usize;
    assert_eq!(&header[8..], &[8, 3, 0, 0, 0], "8-bit indexed colour, no interlace");
    assert_eq!((u16::from(idat[0]) << 8 | u16::from(idat[1])) % 31, 0, "zlib header check");
    assert_eq!(idat[0] & 0x0f, 8, "deflate");
    let raw = inflate(&idat[2..idat.len() - 4]);
    assert_eq!(u32::from_be_bytes(idat[idat.len() - 4..].try_into().unwrap()), adler32(&raw), "Adler-32");
    assert_eq!(raw.len(), (width + 1) * height);
    let mut pixels = Vec::with_capacity(width * height);
    for row in raw.chunks(width + 1) {
        assert_eq!(row[0], 0, "filter none");
        pixels.extend_from_slice(&row[1..]);
    }
    assert!(pixels.iter().all(|p| usize::from(*p) < palette.len()));
    Picture { width, height, palette, pixels }
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
        assert_eq!(p.rgb(cx as usize, cy as usize), [0x92, 0xaf, 0xd3], "{} centre {cx},{cy}", t.backend);
        // Its rim (1 pixel inside r) is blue where no smaller circle was drawn over it.
        let rim = [(cx + 21.3, cy), (cx - 21.3, cy), (cx, cy + 21.3), (cx, cy - 21.3)];
        assert!(rim.iter().any(|(x, y)| p.rgb(*x as usize, *y as usize) == BLUE), "rim");
        assert!(p.pixels.iter().filter(|c| p.palette[usize::from(**c)] == BLUE).count() > 100);
        assert_eq!(p.rgb(2, 2), WHITE);
    }
}
