//! Drawing a share card: 1200×630 pixels, no browser. cosmic-text shapes
//! the text (fallback across the installed fonts, bidi, colour emoji
//! through swash) and cuts it with an ellipsis; tiny-skia draws the shapes
//! and the avatar and encodes the PNG.

use std::path::Path;

use cosmic_text::{
    Attrs, Buffer, Color, Ellipsize, EllipsizeHeightLimit, Family, FontSystem, Metrics, Shaping, SwashCache,
    SwashContent, Weight, Wrap,
};
use tiny_skia::{
    Color as SkColor, FillRule, FilterQuality, IntSize, Mask, Paint, PathBuilder, Pattern, Pixmap, Rect, SpreadMode,
    Transform,
};

use super::Card;

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 630;

const PADDING: f32 = 80.0;
const AVATAR: f32 = 260.0;
const TEXT_X: f32 = PADDING + AVATAR + 60.0;
const TEXT_WIDTH: f32 = WIDTH as f32 - TEXT_X - PADDING;
const FOOTER_Y: f32 = 520.0;
/// Longest text shaped at all: more could never fit on the card, and
/// shaping a 10,000-character bio to throw most of it away is wasted time.
const MAX_SHAPED_CHARS: usize = 400;

const BACKGROUND: [u8; 3] = [0xfa, 0xfa, 0xf9];
const ACCENT: [u8; 3] = [0xd9, 0x77, 0x06];
const INK: Color = Color::rgb(0x1c, 0x19, 0x17);
const MUTED: Color = Color::rgb(0x57, 0x53, 0x4e);
const BRAND: Color = Color::rgb(0xb4, 0x53, 0x09);

/// Noto Sans's ascent and descent, in ems: where a baseline sits in its line.
const ASCENT: f32 = 1.069;
const DESCENT: f32 = 0.293;

/// The family every text asks for first; the rest come from fallback.
const PRIMARY_FAMILY: &str = "Noto Sans";

/// The fonts, loaded once per process and shared by every renderer.
#[derive(Clone)]
pub struct FontLibrary {
    db: cosmic_text::fontdb::Database,
}

impl FontLibrary {
    /// Loads every font under `dirs` (memory-mapped, so only what is drawn
    /// is read).
    pub fn load(dirs: &[String]) -> FontLibrary {
        let mut db = cosmic_text::fontdb::Database::new();
        for dir in dirs {
            db.load_fonts_dir(Path::new(dir));
        }
        db.set_sans_serif_family(PRIMARY_FAMILY);
        if db.faces().all(|f| f.families.iter().all(|(name, _)| name != PRIMARY_FAMILY)) {
            tracing::warn!(?dirs, "no {PRIMARY_FAMILY} font found: share cards will use whatever fonts there are");
        }
        FontLibrary { db }
    }

    pub fn faces(&self) -> usize {
        self.db.len()
    }
}

/// One renderer per card drawn at a time: cosmic-text's font system needs
/// `&mut`.
pub struct Renderer {
    fonts: FontSystem,
    glyphs: SwashCache,
}

/// What a render produced.
pub struct Rendered {
    pub png: Vec<u8>,
    /// Characters no installed font could draw (left out, never a box).
    pub missing_glyphs: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("could not encode the card: {0}")]
    Encode(String),
    #[error("could not allocate the canvas")]
    Canvas,
}

impl Renderer {
    pub fn new(library: &FontLibrary) -> Renderer {
        Renderer {
            fonts: FontSystem::new_with_locale_and_db("en-US".to_owned(), library.db.clone()),
            glyphs: SwashCache::new(),
        }
    }

    /// Draws `card`; `avatar` is the decoded photo, or `None` for the
    /// placeholder.
    pub fn render(&mut self, card: &Card, avatar: Option<&Pixmap>) -> Result<Rendered, RenderError> {
        let mut canvas = Pixmap::new(WIDTH, HEIGHT).ok_or(RenderError::Canvas)?;
        canvas.fill(SkColor::from_rgba8(BACKGROUND[0], BACKGROUND[1], BACKGROUND[2], 255));
        let mut accent = Paint::default();
        accent.set_color_rgba8(ACCENT[0], ACCENT[1], ACCENT[2], 255);
        if let Some(band) = Rect::from_xywh(0.0, 0.0, WIDTH as f32, 16.0) {
            canvas.fill_rect(band, &accent, Transform::identity(), None);
        }
        draw_avatar(&mut canvas, avatar, PADDING, 110.0);

        let mut missing = 0;
        let mut y = 96.0;
        let name = self.block(&card.name, 60.0, 74.0, Weight::BOLD, 2, TEXT_WIDTH);
        missing += self.draw(&name, &mut canvas, TEXT_X, y, INK);
        y += height(&name) + 6.0;
        let handle = self.block(&format!("@{}", card.username), 34.0, 44.0, Weight::NORMAL, 1, TEXT_WIDTH);
        missing += self.draw(&handle, &mut canvas, TEXT_X, y, MUTED);
        y += height(&handle) + 26.0;

        let counts = self.counts(card);
        missing += self.draw(&counts, &mut canvas, TEXT_X, y, INK);
        y += height(&counts) + 26.0;

        if !card.bio.is_empty() {
            let line_height = 46.0;
            let lines = (((FOOTER_Y - 24.0 - y) / line_height).floor() as usize).clamp(1, 4);
            let bio = self.block(&card.bio, 32.0, line_height, Weight::NORMAL, lines, TEXT_WIDTH);
            missing += self.draw(&bio, &mut canvas, TEXT_X, y, MUTED);
        }

        let brand = self.block(&card.site_name, 44.0, 56.0, Weight::BOLD, 1, AVATAR + 40.0);
        missing += self.draw(&brand, &mut canvas, PADDING, FOOTER_Y, BRAND);
        let address = self.block(&card.site_address, 30.0, 56.0, Weight::NORMAL, 1, TEXT_WIDTH);
        missing += self.draw(&address, &mut canvas, TEXT_X, FOOTER_Y + 6.0, MUTED);

        let png = canvas.encode_png().map_err(|e| RenderError::Encode(e.to_string()))?;
        Ok(Rendered { png, missing_glyphs: missing })
    }

    /// Lays out `text` in at most `lines` lines of `width`, the last cut
    /// with an ellipsis when it does not all fit.
    fn block(&mut self, text: &str, size: f32, line_height: f32, weight: Weight, lines: usize, width: f32) -> Buffer {
        let mut buffer = self.buffer(size, line_height, lines, width);
        let attrs = Attrs::new().family(Family::SansSerif).weight(weight);
        buffer.set_text(&one_paragraph(text), &attrs, Shaping::Advanced, None);
        buffer.shape_until_scroll(&mut self.fonts, false);
        buffer
    }

    /// An empty block of at most `lines` lines of `width`, cut with an ellipsis.
    fn buffer(&mut self, size: f32, line_height: f32, lines: usize, width: f32) -> Buffer {
        let mut buffer = Buffer::new(&mut self.fonts, Metrics::new(size, line_height));
        buffer.set_wrap(Wrap::WordOrGlyph);
        buffer.set_ellipsize(Ellipsize::End(EllipsizeHeightLimit::Lines(lines)));
        buffer.set_size(Some(width), None);
        buffer
    }

    /// "1.2K followers  345 following": numbers bold, on one line.
    fn counts(&mut self, card: &Card) -> Buffer {
        let mut buffer = self.buffer(36.0, 48.0, 1, TEXT_WIDTH);
        let plain = Attrs::new().family(Family::SansSerif);
        let bold = plain.clone().weight(Weight::BOLD);
        let followers_label = format!(" {}", card.followers_label);
        let following_label = format!(" {}", card.following_label);
        let spans = [
            (card.followers.as_str(), bold.clone()),
            (followers_label.as_str(), plain.clone()),
            ("    ", plain.clone()),
            (card.following.as_str(), bold),
            (following_label.as_str(), plain.clone()),
        ];
        buffer.set_rich_text(spans, &plain, Shaping::Advanced, None);
        buffer.shape_until_scroll(&mut self.fonts, false);
        buffer
    }

    /// Draws `buffer` with its top left at (`x`, `y`); returns how many
    /// glyphs no font had (skipped: a box would say "broken").
    fn draw(&mut self, buffer: &Buffer, canvas: &mut Pixmap, x: f32, y: f32, color: Color) -> usize {
        let mut missing = 0;
        let size = buffer.metrics().font_size;
        for (i, run) in buffer.layout_runs().enumerate() {
            // Baselines a line height apart, whatever the line holds:
            // cosmic-text centres each line on its own tallest glyph, so a
            // line with an emoji sat higher than the others.
            let baseline = y + i as f32 * run.line_height + (run.line_height + (ASCENT - DESCENT) * size) / 2.0;
            // A wrapped line may begin with the space it was broken at.
            let indent: f32 = if run.rtl {
                0.0
            } else {
                run.glyphs.iter().take_while(|g| run.text[g.start..g.end].trim().is_empty()).map(|g| g.w).sum()
            };
            for glyph in run.glyphs {
                if glyph.glyph_id == 0 {
                    missing += 1;
                    continue;
                }
                let physical = glyph.physical((x - indent, baseline), 1.0);
                let Some(image) = self.glyphs.get_image_uncached(&mut self.fonts, physical.cache_key) else {
                    continue;
                };
                let color = glyph.color_opt.unwrap_or(color);
                blit(
                    canvas,
                    physical.x + image.placement.left,
                    physical.y - image.placement.top,
                    image.placement.width,
                    image.placement.height,
                    &image.data,
                    image.content,
                    color,
                );
            }
        }
        missing
    }
}

/// Line breaks, tabs and runs of spaces become one space; control
/// characters go. The card has no room for paragraphs.
fn one_paragraph(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_SHAPED_CHARS * 4));
    for word in text.split_whitespace().take(MAX_SHAPED_CHARS) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().filter(|c| !c.is_control()));
        if out.chars().count() >= MAX_SHAPED_CHARS {
            break;
        }
    }
    match out.char_indices().nth(MAX_SHAPED_CHARS) {
        Some((cut, _)) => out[..cut].to_owned(),
        None => out,
    }
}

fn height(buffer: &Buffer) -> f32 {
    buffer.layout_runs().map(|run| run.line_height).sum()
}

/// Source-over of a glyph image (an alpha mask in `color`, or colour
/// pixels) onto the premultiplied canvas.
#[allow(clippy::too_many_arguments)]
fn blit(canvas: &mut Pixmap, left: i32, top: i32, w: u32, h: u32, data: &[u8], content: SwashContent, color: Color) {
    let (cw, ch) = (canvas.width() as i32, canvas.height() as i32);
    let pixels = canvas.data_mut();
    let (cr, cg, cb, ca) = color.as_rgba_tuple();
    for row in 0..h as i32 {
        let y = top + row;
        if !(0..ch).contains(&y) {
            continue;
        }
        for col in 0..w as i32 {
            let x = left + col;
            if !(0..cw).contains(&x) {
                continue;
            }
            let i = (row * w as i32 + col) as usize;
            let (r, g, b, a) = match content {
                SwashContent::Mask => (cr, cg, cb, mul(data[i], ca)),
                SwashContent::Color => (data[i * 4], data[i * 4 + 1], data[i * 4 + 2], data[i * 4 + 3]),
                // Never asked for; a plain mask of its green channel would do.
                SwashContent::SubpixelMask => (cr, cg, cb, mul(data[i * 4 + 1], ca)),
            };
            if a == 0 {
                continue;
            }
            let at = ((y * cw + x) * 4) as usize;
            let keep = 255 - a;
            for (channel, value) in [r, g, b].into_iter().enumerate() {
                pixels[at + channel] = mul(value, a) + mul(pixels[at + channel], keep);
            }
            pixels[at + 3] = a + mul(pixels[at + 3], keep);
        }
    }
}

fn mul(a: u8, b: u8) -> u8 {
    ((a as u16 * b as u16 + 127) / 255) as u8
}

/// The photo in a circle, or the placeholder (`public/avatar-placeholder.svg`
/// drawn at this size: a grey head and shoulders).
fn draw_avatar(canvas: &mut Pixmap, avatar: Option<&Pixmap>, x: f32, y: f32) {
    let (cx, cy, r) = (x + AVATAR / 2.0, y + AVATAR / 2.0, AVATAR / 2.0);
    let Some(circle) = PathBuilder::from_circle(cx, cy, r) else { return };
    let mut paint = Paint { anti_alias: true, ..Paint::default() };
    match avatar {
        Some(photo) => {
            let scale = AVATAR / photo.width().max(1) as f32;
            paint.shader = Pattern::new(
                photo.as_ref(),
                SpreadMode::Pad,
                FilterQuality::Bicubic,
                1.0,
                Transform::from_scale(scale, scale).post_translate(x, y),
            );
            canvas.fill_path(&circle, &paint, FillRule::Winding, Transform::identity(), None);
        }
        None => {
            paint.set_color_rgba8(0xd6, 0xd3, 0xd1, 255);
            canvas.fill_path(&circle, &paint, FillRule::Winding, Transform::identity(), None);
            let mut clip = Mask::new(canvas.width(), canvas.height());
            if let Some(clip) = clip.as_mut() {
                clip.fill_path(&circle, FillRule::Winding, true, Transform::identity());
            }
            // The SVG's 64-unit box, scaled to the avatar.
            let unit = AVATAR / 64.0;
            let place = Transform::from_scale(unit, unit).post_translate(x, y);
            paint.set_color_rgba8(0xa8, 0xa2, 0x9e, 255);
            if let Some(head) = PathBuilder::from_circle(32.0, 25.0, 11.0) {
                canvas.fill_path(&head, &paint, FillRule::Winding, place, clip.as_ref());
            }
            let mut body = PathBuilder::new();
            body.move_to(12.0, 56.0);
            body.cubic_to(14.0, 45.0, 22.0, 39.0, 32.0, 39.0);
            body.cubic_to(42.0, 39.0, 50.0, 45.0, 52.0, 56.0);
            body.close();
            if let Some(body) = body.finish() {
                canvas.fill_path(&body, &paint, FillRule::Winding, place, clip.as_ref());
            }
        }
    }
}

/// Decodes a photo (JPEG, PNG, WebP, GIF), crops it to its centre square
/// and scales it to the avatar's size. `None` when it cannot be read:
/// the card then shows the placeholder.
pub fn decode_avatar(bytes: &[u8]) -> Option<Pixmap> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format().ok()?;
    // A small file can claim a huge canvas; refuse before allocating it.
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(4096);
    limits.max_image_height = Some(4096);
    limits.max_alloc = Some(64 << 20);
    reader.limits(limits);
    let photo = reader.decode().ok()?;
    let side = photo.width().min(photo.height());
    let square = photo.crop_imm((photo.width() - side) / 2, (photo.height() - side) / 2, side, side).into_rgba8();
    let size = AVATAR as u32;
    let scaled = image::imageops::resize(&square, size, size, image::imageops::FilterType::CatmullRom);
    let mut data = scaled.into_raw();
    for pixel in data.chunks_exact_mut(4) {
        let a = pixel[3];
        for channel in &mut pixel[..3] {
            *channel = mul(*channel, a);
        }
    }
    Pixmap::from_vec(data, IntSize::from_wh(size, size)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_paragraph_joins_lines_and_drops_controls() {
        assert_eq!(one_paragraph("  a\n\nb\tc\u{7}d  e"), "a b cd e");
        assert_eq!(one_paragraph(&"x".repeat(1000)).chars().count(), MAX_SHAPED_CHARS);
        assert_eq!(one_paragraph(&"가 ".repeat(1000)).chars().count(), MAX_SHAPED_CHARS);
    }

    /// The fonts the setup script installs (fonts-noto-core, -cjk, -color-emoji).
    fn library() -> &'static FontLibrary {
        static LIBRARY: std::sync::OnceLock<FontLibrary> = std::sync::OnceLock::new();
        LIBRARY.get_or_init(|| FontLibrary::load(&["/usr/share/fonts".to_owned()]))
    }

    fn card(name: &str, bio: &str) -> Card {
        Card {
            name: name.into(),
            username: "someone_1".into(),
            bio: bio.into(),
            photo_url: None,
            followers: "1.2K".into(),
            followers_label: "followers".into(),
            following: "345".into(),
            following_label: "following".into(),
            site_name: "inssa".into(),
            site_address: "inssa.club/@someone_1".into(),
        }
    }

    /// Reads the PNG's header: (width, height), or a panic if it is not one.
    fn png_size(png: &[u8]) -> (u32, u32) {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
        assert_eq!(&png[12..16], b"IHDR");
        let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
        (be(16), be(20))
    }

    /// Hangul, Latin, emoji, Arabic and Hebrew all find a font: nothing is
    /// left out or drawn as a box. `CARD_SAMPLES=dir` keeps the PNGs to look at.
    #[test]
    fn every_script_finds_a_font() {
        let mut renderer = Renderer::new(library());
        let samples = [
            ("hangul", card("김민지 ✨", "안녕하세요! 클럽하우스에서 음악과 책 이야기를 나눠요. 매주 금요일 밤 10시.")),
            (
                "latin",
                card(
                    "Ada Lovelace",
                    "Analytical engines, poetry & science. Café owner in Zürich; naïve about nothing.",
                ),
            ),
            ("emoji", card("🎧🎤🔥🇰🇷👩🏽‍💻", "🌱🌍 ☕️ 📚")),
            ("rtl", card("محمد علي", "مرحبا بالعالم — שלום עולם, mixed with English.")),
            ("cjk", card("山田太郎", "東京で音楽を作っています。")),
        ];
        for (label, card) in samples {
            let rendered = renderer.render(&card, None).unwrap();
            assert_eq!(png_size(&rendered.png), (WIDTH, HEIGHT), "{label}");
            assert_eq!(rendered.missing_glyphs, 0, "{label}: characters without a font");
            if let Ok(dir) = std::env::var("CARD_SAMPLES") {
                std::fs::write(format!("{dir}/{label}.png"), &rendered.png).unwrap();
            }
        }
    }

    /// A 200-character name and a 10,000-character bio are cut with an
    /// ellipsis: the name to two lines, and no text below the footer line.
    #[test]
    fn long_text_is_cut_to_its_lines() {
        let mut renderer = Renderer::new(library());
        let long_name = "Wolfeschlegelsteinhausenbergerdorff ".repeat(6);
        let name = renderer.block(&long_name[..200], 60.0, 74.0, Weight::BOLD, 2, TEXT_WIDTH);
        let runs: Vec<_> = name.layout_runs().collect();
        assert_eq!(runs.len(), 2);
        assert!(runs.iter().all(|r| r.line_w <= TEXT_WIDTH + 0.5), "a line wider than its box");
        let unbroken = renderer.block(&"가".repeat(200), 60.0, 74.0, Weight::BOLD, 2, TEXT_WIDTH);
        assert_eq!(unbroken.layout_runs().count(), 2);
        let bio = "word ".repeat(2000);
        let rendered = renderer.render(&card(&long_name[..200], &bio), None).unwrap();
        assert_eq!(png_size(&rendered.png), (WIDTH, HEIGHT));
        if let Ok(dir) = std::env::var("CARD_SAMPLES") {
            std::fs::write(format!("{dir}/long.png"), &rendered.png).unwrap();
        }
    }

    #[test]
    fn a_photo_is_decoded_and_cropped_and_junk_is_refused() {
        let mut photo = image::RgbImage::new(300, 200);
        photo.put_pixel(150, 100, image::Rgb([255, 0, 0]));
        let mut bytes = Vec::new();
        photo.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
        let avatar = decode_avatar(&bytes).unwrap();
        assert_eq!((avatar.width(), avatar.height()), (AVATAR as u32, AVATAR as u32));
        assert!(decode_avatar(b"<svg onload=alert(1)>").is_none());
        assert!(decode_avatar(&bytes[..40]).is_none());
        let rendered = Renderer::new(library()).render(&card("Photo", ""), Some(&avatar)).unwrap();
        assert_eq!(png_size(&rendered.png), (WIDTH, HEIGHT));
    }

    /// The pixel at the middle of the avatar's head: the photo's colour
    /// with a photo, the placeholder's grey head without one.
    #[test]
    fn no_photo_draws_the_placeholder() {
        let pixel = |png: &[u8]| {
            let image = image::load_from_memory(png).unwrap().into_rgba8();
            let (x, y) = ((PADDING + 32.0 * AVATAR / 64.0) as u32, (110.0 + 25.0 * AVATAR / 64.0) as u32);
            image.get_pixel(x, y).0
        };
        let mut renderer = Renderer::new(library());
        let without = renderer.render(&card("No Photo", ""), None).unwrap();
        assert_eq!(pixel(&without.png), [0xa8, 0xa2, 0x9e, 255], "the placeholder's head");
        let red = image::RgbaImage::from_pixel(64, 64, image::Rgba([200, 10, 10, 255]));
        let mut bytes = Vec::new();
        red.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
        let with = renderer.render(&card("Red Photo", ""), decode_avatar(&bytes).as_ref()).unwrap();
        assert_eq!(pixel(&with.png), [200, 10, 10, 255], "the photo");
    }
}
