//! Small generated avatars, so pages show real pictures offline: a
//! symmetric identicon per file name, encoded as PNG.

use std::io::Write;

use flate2::{write::ZlibEncoder, Compression};

use crate::rng::Rng;

/// Side of the `_thumbnail_250x250` variant, as its name says.
pub const THUMBNAIL_SIDE: u32 = 250;
/// Side of the full-size photo (`get_profile`'s `photo_url`).
pub const FULL_SIDE: u32 = 400;

/// Whether `file` looks like a Clubhouse photo key: `<user_id>_<uuid>` or
/// `club_<club_id>_<uuid>`, optionally with the thumbnail suffix.
pub fn is_photo_key(file: &str) -> bool {
    let rest = file.strip_prefix("club_").unwrap_or(file);
    let rest = rest.strip_suffix("_thumbnail_250x250").unwrap_or(rest);
    let Some((id, uuid)) = rest.split_once('_') else { return false };
    !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_digit())
        && uuid.len() == 36
        && uuid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// A PNG identicon seeded by `seed`. Clubs get a finer grid than people.
pub fn identicon(seed: u64, side: u32, club: bool) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let hue = rng.unit() * 360.0;
    let background = hsl_to_rgb(hue, 0.45, 0.92);
    let foreground = hsl_to_rgb((hue + 25.0) % 360.0, 0.55, 0.45);
    let cells: u32 = if club { 7 } else { 5 };
    let half = cells.div_ceil(2);
    let filled: Vec<bool> = (0..cells * half).map(|_| rng.chance(0.5)).collect();
    // One cell of margin on each side.
    let cell = side / (cells + 2);
    let offset = (side - cell * cells) / 2;

    let mut raw = Vec::with_capacity(((side * 3 + 1) * side) as usize);
    for y in 0..side {
        raw.push(0); // filter: none
        for x in 0..side {
            let inside = x >= offset && y >= offset && x < offset + cell * cells && y < offset + cell * cells;
            let on = inside && {
                let (cx, cy) = ((x - offset) / cell, (y - offset) / cell);
                let mirrored = if cx >= half { cells - 1 - cx } else { cx };
                filled[(cy * half + mirrored) as usize]
            };
            raw.extend_from_slice(if on { &foreground } else { &background });
        }
    }
    encode_png(side, side, &raw)
}

/// PNG with 8-bit RGB pixels; `scanlines` already carry their filter byte.
fn encode_png(width: u32, height: u32, scanlines: &[u8]) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 2, 0, 0, 0]); // depth 8, RGB, deflate, no filter set, no interlace
    chunk(&mut png, b"IHDR", &header);
    let mut zlib = ZlibEncoder::new(Vec::new(), Compression::fast());
    zlib.write_all(scanlines).expect("writing to memory");
    chunk(&mut png, b"IDAT", &zlib.finish().expect("writing to memory"));
    chunk(&mut png, b"IEND", &[]);
    png
}

fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    png.extend_from_slice(&crc.finalize().to_be_bytes());
}

fn hsl_to_rgb(h: f64, s: f64, l: f64) -> [u8; 3] {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    [((r + m) * 255.0) as u8, ((g + m) * 255.0) as u8, ((b + m) * 255.0) as u8]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photo_keys_are_recognised() {
        assert!(is_photo_key("910000001_0f1e2d3c-4b5a-4697-8877-665544332211"));
        assert!(is_photo_key("910000001_0f1e2d3c-4b5a-4697-8877-665544332211_thumbnail_250x250"));
        assert!(is_photo_key("club_920000007_fedcba98-7654-4321-8fed-cba987654321_thumbnail_250x250"));
        for bad in ["", "x_0f1e2d3c-4b5a-4697-8877-665544332211", "910000001", "910000001_../../etc/passwd"] {
            assert!(!is_photo_key(bad), "{bad}");
        }
    }

    #[test]
    fn identicons_are_valid_pngs_and_stable() {
        let a = identicon(1, 250, false);
        assert!(a.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(&a[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(a[16..20].try_into().unwrap()), 250);
        assert!(a.ends_with(&[0xAE, 0x42, 0x60, 0x82]), "IEND with its fixed CRC");
        assert_eq!(a, identicon(1, 250, false));
        assert_ne!(a, identicon(2, 250, false));
        assert!(a.len() < 8_000, "small: {} bytes", a.len());
    }
}
