//! PNG pictures of the charts, drawn and encoded here without a dependency: an
//! indexed-colour pixel buffer, a few drawing primitives, an embedded 5×7 bitmap font
//! (digits, capital letters and common punctuation; text is shown in capitals with
//! Vietnamese diacritics folded away), and the PNG file itself (IHDR, PLTE, IDAT, IEND,
//! CRC-32) with a zlib stream from a small deflate encoder: one block of fixed Huffman
//! codes with run-length matches at distance 1 (flat runs of a row) and at the row's
//! length (a row repeating the one above), which is what flat charts are made of.

/// The colours a chart uses, as palette indexes.
pub const WHITE: u8 = 0;
pub const AXIS: u8 = 1;
pub const BLUE: u8 = 2;
/// Blue at 60 % opacity on white (the map's circles).
pub const LIGHT_BLUE: u8 = 3;
pub const RED: u8 = 4;
pub const GREY: u8 = 5;
pub const BLACK: u8 = 6;

/// RGB of each palette index, the same colours as the SVGs.
pub const PALETTE: [[u8; 3]; 7] =
    [[0xff, 0xff, 0xff], [0x55, 0x55, 0x55], [0x4a, 0x7a, 0xb5], [0x92, 0xaf, 0xd3], [0xc0, 0x39, 0x2b], [0x88, 0x88, 0x88], [0, 0, 0]];

/// Where a text stands relative to its x, as SVG's `text-anchor`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// An indexed-colour picture, white at first.
pub struct Canvas {
    pub width: usize,
    pub height: usize,
    pixels: Vec<u8>,
}

impl Canvas {
    pub fn new(width: usize, height: usize) -> Self {
        Self { width, height, pixels: vec![WHITE; width * height] }
    }

    /// The colour at (x, y), if inside.
    pub fn get(&self, x: usize, y: usize) -> Option<u8> {
        (x < self.width && y < self.height).then(|| self.pixels[y * self.width + x])
    }

    pub fn set(&mut self, x: i64, y: i64, colour: u8) {
        if let (Ok(x), Ok(y)) = (usize::try_from(x), usize::try_from(y)) {
            if x < self.width && y < self.height {
                self.pixels[y * self.width + x] = colour;
            }
        }
    }

    /// Fills the rectangle from (x0, y0) to (x1, y1), both excluded at the far end.
    pub fn fill_rect(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, colour: u8) {
        for y in y0.max(0)..y1.min(self.height as i64) {
            for x in x0.max(0)..x1.min(self.width as i64) {
                self.set(x, y, colour);
            }
        }
    }

    /// A line `width` pixels thick; with `dash` = (on, off), dashed.
    pub fn line(&mut self, (x0, y0): (i64, i64), (x1, y1): (i64, i64), width: i64, colour: u8, dash: Option<(i64, i64)>) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err, mut step) = (x0, y0, dx + dy, 0i64);
        let half = (width - 1) / 2;
        loop {
            if dash.is_none_or(|(on, off)| step % (on + off) < on) {
                self.fill_rect(x - half, y - half, x - half + width, y - half + width, colour);
            }
            if x == x1 && y == y1 {
                break;
            }
            step += 1;
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// A filled disc.
    pub fn disc(&mut self, cx: f64, cy: f64, r: f64, colour: u8) {
        let (x0, x1, y0, y1) = ((cx - r).floor() as i64, (cx + r).ceil() as i64, (cy - r).floor() as i64, (cy + r).ceil() as i64);
        for y in y0..=y1 {
            for x in x0..=x1 {
                let (px, py) = (x as f64 + 0.5 - cx, y as f64 + 0.5 - cy);
                if px * px + py * py <= r * r {
                    self.set(x, y, colour);
                }
            }
        }
    }

    /// A circle's outline, `width` pixels wide inside the radius.
    pub fn ring(&mut self, cx: f64, cy: f64, r: f64, width: f64, colour: u8) {
        let (x0, x1, y0, y1) = ((cx - r).floor() as i64, (cx + r).ceil() as i64, (cy - r).floor() as i64, (cy + r).ceil() as i64);
        for y in y0..=y1 {
            for x in x0..=x1 {
                let (px, py) = (x as f64 + 0.5 - cx, y as f64 + 0.5 - cy);
                let d = (px * px + py * py).sqrt();
                if d <= r && d > r - width {
                    self.set(x, y, colour);
                }
            }
        }
    }

    /// Text whose baseline is at `y` (as in SVG), in capitals, diacritics folded.
    pub fn text(&mut self, x: i64, y: i64, text: &str, anchor: Anchor, colour: u8) {
        let shown: Vec<char> = fold(text).chars().collect();
        let width = i64::try_from(shown.len()).unwrap_or(0) * 6 - 1;
        let left = match anchor {
            Anchor::Start => x,
            Anchor::Middle => x - width / 2,
            Anchor::End => x - width,
        };
        for (i, c) in shown.iter().enumerate() {
            let rows = glyph(*c);
            for (r, row) in rows.iter().enumerate() {
                for (k, bit) in row.bytes().enumerate() {
                    if bit == b'#' {
                        self.set(left + i64::try_from(i).unwrap_or(0) * 6 + k as i64, y - 6 + r as i64, colour);
                    }
                }
            }
        }
    }

    /// The picture as a PNG file.
    pub fn to_png(&self) -> Vec<u8> {
        encode(self.width, self.height, &self.pixels, &PALETTE)
    }
}

/// Text as the font can draw it: Vietnamese diacritics removed (đ → d), in capitals.
pub fn fold(text: &str) -> String {
    treem_domain::text::search_key(text).to_uppercase()
}

/// The 5×7 glyph of a character; `?` for one the font lacks.
fn glyph(c: char) -> [&'static str; 7] {
    let c = match c {
        '–' | '—' => '-',
        '≈' => '=',
        '·' | '•' => '*',
        c => c,
    };
    FONT.iter().find(|(k, _)| *k == c).map_or(FONT[0].1, |(_, g)| *g)
}

#[rustfmt::skip]
const FONT: &[(char, [&str; 7])] = &[
    ('?', [".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#.."]),
    (' ', [".....", ".....", ".....", ".....", ".....", ".....", "....."]),
    ('0', [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."]),
    ('1', ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."]),
    ('2', [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"]),
    ('3', ["#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."]),
    ('4', ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."]),
    ('5', ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."]),
    ('6', ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."]),
    ('7', ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."]),
    ('8', [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."]),
    ('9', [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."]),
    ('A', [".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"]),
    ('B', ["####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."]),
    ('C', [".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."]),
    ('D', ["###..", "#..#.", "#...#", "#...#", "#...#", "#..#.", "###.."]),
    ('E', ["#####", "#....", "#....", "####.", "#....", "#....", "#####"]),
    ('F', ["#####", "#....", "#....", "####.", "#....", "#....", "#...."]),
    ('G', [".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"]),
    ('H', ["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"]),
    ('I', [".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."]),
    ('J', ["..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."]),
    ('K', ["#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"]),
    ('L', ["#....", "#....", "#....", "#....", "#....", "#....", "#####"]),
    ('M', ["#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"]),
    ('N', ["#...#", "#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#"]),
    ('O', [".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."]),
    ('P', ["####.", "#...#", "#...#", "####.", "#....", "#....", "#...."]),
    ('Q', [".###.", "#...#", "#...#", "#...#", "#.#.#", "#..#.", ".##.#"]),
    ('R', ["####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"]),
    ('S', [".####", "#....", "#....", ".###.", "....#", "....#", "####."]),
    ('T', ["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."]),
    ('U', ["#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."]),
    ('V', ["#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."]),
    ('W', ["#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."]),
    ('X', ["#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"]),
    ('Y', ["#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."]),
    ('Z', ["#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"]),
    ('.', [".....", ".....", ".....", ".....", ".....", ".....", "..#.."]),
    (',', [".....", ".....", ".....", ".....", ".....", "..#..", ".#..."]),
    (':', [".....", "..#..", "..#..", ".....", "..#..", "..#..", "....."]),
    (';', [".....", "..#..", "..#..", ".....", "..#..", "..#..", ".#..."]),
    ('-', [".....", ".....", ".....", ".###.", ".....", ".....", "....."]),
    ('+', [".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."]),
    ('=', [".....", ".....", "#####", ".....", "#####", ".....", "....."]),
    ('*', [".....", ".....", ".....", "..#..", ".....", ".....", "....."]),
    ('%', ["##..#", "##.#.", "...#.", "..#..", ".#...", ".#.##", "#..##"]),
    ('(', ["...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#."]),
    (')', [".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#..."]),
    ('/', ["....#", "...#.", "...#.", "..#..", ".#...", ".#...", "#...."]),
    ('&', [".##..", "#..#.", "#.#..", ".#...", "#.#.#", "#..#.", ".##.#"]),
    ('\'', ["..#..", "..#..", ".....", ".....", ".....", ".....", "....."]),
    ('!', ["..#..", "..#..", "..#..", "..#..", "..#..", ".....", "..#.."]),
    ('<', ["...#.", "..#..", ".#...", "#....", ".#...", "..#..", "...#."]),
    ('>', [".#...", "..#..", "...#.", "....#", "...#.", "..#..", ".#..."]),
];

/// The CRC-32 of PNG chunks (the same as ZIP's).
fn crc32(data: &[u8]) -> u32 {
    crate::xlsx::crc32(data)
}

/// The Adler-32 checksum ending a zlib stream.
pub fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

/// Bits written least significant first, as deflate packs them.
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push((self.acc & 0xff) as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// A Huffman code, whose bits go most significant first.
    fn code(&mut self, code: u32, len: u32) {
        let mut rev = 0;
        for i in 0..len {
            rev |= ((code >> i) & 1) << (len - 1 - i);
        }
        self.put(rev, len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push((self.acc & 0xff) as u8);
        }
        self.out
    }
}

/// A literal or length symbol in the fixed Huffman code.
fn fixed_symbol(bits: &mut Bits, symbol: u32) {
    match symbol {
        0..=143 => bits.code(0x30 + symbol, 8),
        144..=255 => bits.code(0x190 + symbol - 144, 9),
        256..=279 => bits.code(symbol - 256, 7),
        _ => bits.code(0xc0 + symbol - 280, 8),
    }
}

const LENGTH_BASE: [u16; 29] =
    [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA: [u8; 29] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385,
    24577,
];
const DIST_EXTRA: [u8; 30] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

/// `data` as one final deflate block of fixed Huffman codes, with matches at distance 1
/// and at `row` (when at most 32,768).
pub fn deflate(data: &[u8], row: usize) -> Vec<u8> {
    let mut bits = Bits { out: Vec::with_capacity(data.len() / 8 + 16), acc: 0, n: 0 };
    bits.put(1, 1); // the last block
    bits.put(1, 2); // fixed Huffman codes
    let match_len = |at: usize, dist: usize| -> usize {
        if dist == 0 || dist > at || dist > 32_768 {
            return 0;
        }
        let mut n = 0;
        while n < 258 && at + n < data.len() && data[at + n] == data[at + n - dist] {
            n += 1;
        }
        n
    };
    let mut i = 0;
    while i < data.len() {
        let (len, dist) = [1, row].into_iter().map(|d| (match_len(i, d), d)).max_by_key(|(n, _)| *n).unwrap_or((0, 1));
        if len >= 3 {
            let li = LENGTH_BASE.iter().rposition(|b| usize::from(*b) <= len).unwrap_or(0);
            fixed_symbol(&mut bits, 257 + li as u32);
            bits.put((len - usize::from(LENGTH_BASE[li])) as u32, u32::from(LENGTH_EXTRA[li]));
            let di = DIST_BASE.iter().rposition(|b| usize::from(*b) <= dist).unwrap_or(0);
            bits.code(di as u32, 5);
            bits.put((dist - usize::from(DIST_BASE[di])) as u32, u32::from(DIST_EXTRA[di]));
            i += len;
        } else {
            fixed_symbol(&mut bits, u32::from(data[i]));
            i += 1;
        }
    }
    fixed_symbol(&mut bits, 256);
    bits.finish()
}

/// `data` as a zlib stream (deflate, no preset dictionary), with its Adler-32.
pub fn zlib(data: &[u8], row: usize) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    out.extend(deflate(data, row));
    out.extend(adler32(data).to_be_bytes());
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend(u32::try_from(data.len()).unwrap_or(u32::MAX).to_be_bytes());
    let mut typed = kind.to_vec();
    typed.extend_from_slice(data);
    out.extend_from_slice(&typed);
    out.extend(crc32(&typed).to_be_bytes());
}

/// A PNG of `width` × `height` palette indexes (8 bits each), rows top first.
pub fn encode(width: usize, height: usize, pixels: &[u8], palette: &[[u8; 3]]) -> Vec<u8> {
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    let mut header = Vec::with_capacity(13);
    header.extend(u32::try_from(width).unwrap_or(0).to_be_bytes());
    header.extend(u32::try_from(height).unwrap_or(0).to_be_bytes());
    header.extend([8, 3, 0, 0, 0]); // 8 bits, indexed colour, deflate, adaptive filters, no interlace
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"PLTE", &palette.iter().flatten().copied().collect::<Vec<u8>>());
    // Each row starts with its filter type (0: none).
    let mut raw = Vec::with_capacity((width + 1) * height);
    for row in pixels.chunks(width.max(1)).take(height) {
        raw.push(0);
        raw.extend_from_slice(row);
    }
    chunk(&mut out, b"IDAT", &zlib(&raw, width + 1));
    chunk(&mut out, b"IEND", &[]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksums_match_their_check_values() {
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    #[test]
    fn the_font_has_every_glyph_in_shape_and_text_folds() {
        for (c, rows) in FONT {
            assert!(rows.iter().all(|r| r.len() == 5 && r.bytes().all(|b| b == b'#' || b == b'.')), "{c}");
        }
        assert_eq!(fold("Số vụ trẻ em bị xâm hại – Đồng Tháp"), "SO VU TRE EM BI XAM HAI – DONG THAP");
        let mut c = Canvas::new(20, 10);
        c.text(0, 7, "1", Anchor::Start, BLACK);
        // The "1" glyph's foot: its bottom row is ".###." on the baseline.
        assert_eq!((c.get(0, 7), c.get(1, 7), c.get(3, 7), c.get(4, 7)), (Some(WHITE), Some(BLACK), Some(BLACK), Some(WHITE)));
    }

    #[test]
    fn flat_pictures_compress_to_little() {
        let mut c = Canvas::new(640, 320);
        c.fill_rect(10, 10, 600, 300, BLUE);
        let png = c.to_png();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert!(png.len() < 4_000, "{} bytes", png.len());
    }
}
