//! PNG pictures of the charts and maps: the very SVG a page shows, drawn by resvg with
//! the one font embedded here (Noto Sans, Latin and Vietnamese, `fonts/README.md`).
//! resvg is built without system fonts: every text is drawn in this font, whatever the
//! machine has, and a character outside it is drawn as nothing.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};
use treem_app::AppError;

/// The family name of the embedded font, which the SVGs' `sans-serif` resolves to.
const FAMILY: &str = "Noto Sans";

/// The embedded fonts, loaded once.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_font_data(include_bytes!("../fonts/NotoSans-Regular.subset.ttf").to_vec());
            db.load_font_data(include_bytes!("../fonts/NotoSans-Bold.subset.ttf").to_vec());
            // `sans-serif`, and the serif every unknown family falls back to, are this one.
            db.set_sans_serif_family(FAMILY);
            db.set_serif_family(FAMILY);
            Arc::new(db)
        })
        .clone()
}

/// Draws an SVG made by `ui::chart` or `ui::map` at its own size, on the background its
/// own first `<rect>` paints, and encodes it as an RGBA PNG. An error is a bug in the
/// SVG (it is made here, not received).
pub fn svg_to_png(svg: &str) -> Result<Vec<u8>, AppError> {
    let internal = |what: &str, e: &dyn std::fmt::Display| AppError::Internal(format!("PNG rendering: {what}: {e}"));
    let options = usvg::Options { font_family: FAMILY.to_owned(), fontdb: fonts(), ..usvg::Options::default() };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| internal("parsing the SVG", &e))?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| internal("an empty picture", &format_args!("{}×{}", size.width(), size.height())))?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| internal("encoding", &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(png: &[u8]) -> tiny_skia::Pixmap {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        tiny_skia::Pixmap::decode_png(png).unwrap()
    }

    /// Pixels of the rectangle (x0, y0)–(x1, y1) that are not white.
    fn inked(p: &tiny_skia::Pixmap, (x0, y0): (u32, u32), (x1, y1): (u32, u32)) -> usize {
        (y0..y1).flat_map(|y| (x0..x1).map(move |x| (x, y))).filter(|(x, y)| p.pixel(*x, *y).is_some_and(|c| c.red() < 200)).count()
    }

    #[test]
    fn texts_are_drawn_in_the_embedded_font_whatever_the_family_asked() {
        let svg = |family: &str, text: &str| {
            format!(
                r##"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40" font-family="{family}" font-size="20"><rect width="200" height="40" fill="#fff"/><text x="4" y="28">{text}</text></svg>"##
            )
        };
        let p = decode(&svg_to_png(&svg("sans-serif", "Đồng Tháp")).unwrap());
        assert_eq!((p.width(), p.height()), (200, 40));
        assert!(inked(&p, (0, 0), (200, 40)) > 100, "the text is drawn");
        assert_eq!(inked(&p, (0, 0), (200, 4)), 0, "the margin above it is white");
        // A family the machine may have or not: still the embedded one, the same pixels.
        let other = decode(&svg_to_png(&svg("Arial", "Đồng Tháp")).unwrap());
        assert_eq!(p.data(), other.data());
        assert!(svg_to_png("<svg").is_err());
    }
}
