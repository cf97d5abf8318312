//! Residents' photos, made safe to keep and to show: decoded and written
//! again from their pixels, so nothing but the picture survives (no EXIF
//! block with the phone's position, no comment, no trailing payload
//! appended to the file). The orientation the phone recorded is applied
//! first, so the picture stays upright; a large photo is scaled down to
//! [`MAX_SIDE`] pixels on its longer side (a dispatcher needs to see what
//! happened, not 12 megapixels). A PNG stays a PNG (a screenshot keeps its
//! sharp text); a JPEG or WebP becomes a JPEG.
//!
//! Decoding is bounded: at most [`MAX_PIXELS`] pixels and [`MAX_ALLOC`]
//! bytes, so a small file that claims to be a huge image is refused rather
//! than filling memory.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// The longer side of a stored photo, at most.
pub const MAX_SIDE: u32 = 2048;
/// The most pixels a photo may claim (a 50-megapixel camera's).
pub const MAX_PIXELS: u64 = 50_000_000;
/// The most memory decoding one photo may take.
pub const MAX_ALLOC: u64 = 256 * 1024 * 1024;
/// JPEG quality of a stored photo.
const QUALITY: u8 = 85;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhotoError {
    #[error("the photo is not a JPEG, PNG or WebP picture that can be read: {0}")]
    Unreadable(String),
    #[error("the photo is too large ({0} pixels; at most 50 million)")]
    TooManyPixels(u64),
}

/// The photo as stored: its type and bytes, without metadata.
pub fn clean(bytes: &[u8]) -> Result<(&'static str, Vec<u8>), PhotoError> {
    let unreadable = |e: image::ImageError| PhotoError::Unreadable(e.to_string());
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| PhotoError::Unreadable(e.to_string()))?;
    let format = reader.format();
    if !matches!(format, Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)) {
        return Err(PhotoError::Unreadable("not a JPEG, PNG or WebP file".into()));
    }
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let (w, h) = decoder.dimensions();
    let pixels = u64::from(w) * u64::from(h);
    if pixels > MAX_PIXELS {
        return Err(PhotoError::TooManyPixels(pixels));
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_ALLOC);
    decoder.set_limits(limits).map_err(unreadable)?;
    let orientation = decoder.orientation().map_err(unreadable)?;
    let mut img = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    img.apply_orientation(orientation);
    if img.width().max(img.height()) > MAX_SIDE {
        img = img.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle);
    }
    let mut out = Vec::new();
    if format == Some(ImageFormat::Png) {
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png).map_err(unreadable)?;
        Ok(("image/png", out))
    } else {
        let rgb = DynamicImage::ImageRgb8(img.to_rgb8());
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, QUALITY);
        rgb.write_with_encoder(encoder).map_err(unreadable)?;
        Ok(("image/jpeg", out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img).write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg).expect("encodes");
        out
    }

    /// A JPEG with an EXIF block (APP1) carrying a marker string, inserted
    /// after SOI, and junk appended after EOI.
    fn jpeg_with_exif_and_trailer(w: u32, h: u32) -> Vec<u8> {
        let plain = jpeg(w, h);
        let payload = b"Exif\0\0GPS 25.2480N 110.2080E secret-marker";
        let mut app1 = vec![0xFF, 0xE1];
        app1.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        app1.extend_from_slice(payload);
        let mut out = plain[..2].to_vec();
        out.extend_from_slice(&app1);
        out.extend_from_slice(&plain[2..]);
        out.extend_from_slice(b"<script>alert(1)</script> trailing-marker");
        out
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn metadata_and_trailing_bytes_are_gone() {
        let dirty = jpeg_with_exif_and_trailer(64, 48);
        assert!(contains(&dirty, b"secret-marker") && contains(&dirty, b"trailing-marker"));
        let (kind, clean) = clean(&dirty).expect("a readable photo");
        assert_eq!(kind, "image/jpeg");
        assert!(!contains(&clean, b"secret-marker"), "the EXIF block is gone");
        assert!(!contains(&clean, b"Exif"), "no EXIF at all");
        assert!(!contains(&clean, b"trailing-marker"), "nothing after the picture");
        let back = image::load_from_memory(&clean).expect("still a picture");
        assert_eq!((back.width(), back.height()), (64, 48));
    }

    #[test]
    fn large_photos_are_scaled_down_and_pngs_stay_pngs() {
        let (_, big) = clean(&jpeg(3000, 1500)).expect("readable");
        let back = image::load_from_memory(&big).expect("a picture");
        assert_eq!((back.width(), back.height()), (2048, 1024));
        let png = {
            let img = image::RgbaImage::from_pixel(10, 10, image::Rgba([1, 2, 3, 128]));
            let mut out = Vec::new();
            DynamicImage::ImageRgba8(img).write_to(&mut Cursor::new(&mut out), ImageFormat::Png).expect("encodes");
            out
        };
        let (kind, again) = clean(&png).expect("readable");
        assert_eq!(kind, "image/png");
        assert_eq!(image::load_from_memory(&again).expect("a picture").to_rgba8().get_pixel(3, 3).0, [1, 2, 3, 128]);
    }

    #[test]
    fn what_is_not_a_picture_is_refused() {
        assert!(matches!(clean(b"\x89PNG\r\n\x1a\n...."), Err(PhotoError::Unreadable(_))));
        assert!(matches!(clean(b"just text"), Err(PhotoError::Unreadable(_))));
        // a PNG header claiming 100000 × 100000 pixels
        let mut bomb = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        bomb.extend_from_slice(&100_000u32.to_be_bytes());
        bomb.extend_from_slice(&100_000u32.to_be_bytes());
        bomb.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert!(clean(&bomb).is_err());
    }
}
