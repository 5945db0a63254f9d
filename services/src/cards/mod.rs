//! Share cards: the 1200×630 picture a shared link previews with, drawn
//! on the server from the cached profile (no browser).
//!
//! A card is known by its *token*, a hash of everything drawn on it (the
//! profile's shown fields, the counts as written, the language's words and
//! the drawing's revision). Pages put the token in the card's address, so
//! that address never changes what it shows and may be cached for a year;
//! a new version of the profile, or a count that reads differently, gives
//! a new address. The same token is the key of the in-memory cache, where
//! a miss is drawn once however many ask at the same time.

mod render;

use std::{
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};

use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::{
    config::{ConfigError, Env},
    images::ImageFetcher,
    metrics,
};
pub use render::{decode_avatar, FontLibrary, Renderer, HEIGHT, WIDTH};

/// Bumped whenever the drawing changes, so cached cards are not kept.
const RENDER_REVISION: u32 = 1;
/// How long a card waits for a free renderer before it is turned away.
const WAIT_FOR_RENDERER: Duration = Duration::from_secs(2);

/// Everything drawn on a card, as text in the card's language.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Card {
    pub name: String,
    pub username: String,
    pub bio: String,
    pub photo_url: Option<String>,
    /// The counts as written ("1.2K", "–" when unknown), and their words.
    pub followers: String,
    pub followers_label: String,
    pub following: String,
    pub following_label: String,
    /// "inssa", and the site's address (`inssa.club/@name`).
    pub site_name: String,
    pub site_address: String,
}

impl Card {
    /// 16 hex digits naming exactly this drawing.
    pub fn token(&self) -> String {
        let mut hash = Sha256::new();
        hash.update(RENDER_REVISION.to_be_bytes());
        hash.update(serde_json::to_vec(self).unwrap_or_default());
        hash.finalize()[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// A drawn card.
#[derive(Debug)]
pub struct CardImage {
    /// Shared with every response that sends it: no copy per request.
    pub png: bytes::Bytes,
    /// False when the photo could not be fetched this time and the
    /// placeholder stands in: such a card is not cached (anywhere).
    pub complete: bool,
}

/// Why there is no card to send. Shown as a plain 503; the cause is logged.
#[derive(Debug, thiserror::Error, Clone)]
pub enum CardError {
    #[error("too many cards being drawn")]
    Busy,
    #[error("the card took too long to draw")]
    TimedOut,
    #[error("the card could not be drawn")]
    Failed,
}

/// `CARD_*`.
#[derive(Clone, Debug)]
pub struct CardSettings {
    /// `CARD_FONT_DIRS`: colon-separated folders of fonts.
    pub font_dirs: Vec<String>,
    /// `CARD_RENDERS_AT_ONCE`: cards drawn at the same time (each takes a core).
    pub renders_at_once: u32,
    /// `CARD_RENDER_TIMEOUT_MS`: the longest one drawing may take.
    pub render_timeout: Duration,
    /// `CARD_MEMORY_MIB`: the in-memory cache of drawn cards.
    pub memory_bytes: u64,
}

impl CardSettings {
    pub fn from_env(env: &Env) -> Result<CardSettings, ConfigError> {
        let font_dirs: Vec<String> = env
            .get("CARD_FONT_DIRS")
            .unwrap_or_else(|| "/usr/share/fonts".to_owned())
            .split(':')
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_owned)
            .collect();
        if let Some(dir) = font_dirs.iter().find(|d| !d.starts_with('/')) {
            return Err(ConfigError::new("CARD_FONT_DIRS", format!("expected absolute folders, got {dir:?}")));
        }
        Ok(CardSettings {
            font_dirs,
            renders_at_once: env.number("CARD_RENDERS_AT_ONCE", 2, 1, 256)?,
            render_timeout: env.millis("CARD_RENDER_TIMEOUT_MS", 5_000, 100, 60_000)?,
            memory_bytes: env.number("CARD_MEMORY_MIB", 32, 0, 16 * 1024)? << 20,
        })
    }
}

/// Draws and keeps share cards.
pub struct CardService {
    settings: CardSettings,
    images: ImageFetcher,
    /// Loaded on the first card, so a replica that draws none pays nothing.
    fonts: Arc<OnceLock<FontLibrary>>,
    /// Renderers not in use; at most `renders_at_once` exist.
    idle: Arc<Mutex<Vec<Renderer>>>,
    slots: Arc<Semaphore>,
    cache: moka::future::Cache<String, Arc<CardImage>>,
}

impl CardService {
    pub fn new(settings: CardSettings, images: ImageFetcher) -> CardService {
        let cache = moka::future::Cache::builder()
            .weigher(|_: &String, card: &Arc<CardImage>| card.png.len().try_into().unwrap_or(u32::MAX))
            .max_capacity(settings.memory_bytes)
            .build();
        CardService {
            slots: Arc::new(Semaphore::new(settings.renders_at_once as usize)),
            settings,
            images,
            fonts: Arc::new(OnceLock::new()),
            idle: Arc::new(Mutex::new(Vec::new())),
            cache,
        }
    }

    /// The card, from memory or drawn now (once, however many ask).
    pub async fn card(&self, card: &Card) -> Result<Arc<CardImage>, CardError> {
        let token = card.token();
        if let Some(hit) = self.cache.get(&token).await {
            metrics::card("cached");
            return Ok(hit);
        }
        let drawn = self
            .cache
            .try_get_with(token.clone(), async {
                let image = self.draw(card).await?;
                if image.complete {
                    Ok(Arc::new(image))
                } else {
                    // Handed to the waiters through the error path, so it
                    // is not cached.
                    Err(Uncached::Incomplete(Arc::new(image)))
                }
            })
            .await;
        match drawn {
            Ok(image) => Ok(image),
            Err(shared) => match &*shared {
                Uncached::Incomplete(image) => Ok(image.clone()),
                Uncached::Failed(error) => Err(error.clone()),
            },
        }
    }

    async fn draw(&self, card: &Card) -> Result<CardImage, Uncached> {
        let started = Instant::now();
        let (avatar, complete) = match &card.photo_url {
            None => (None, true),
            Some(src) => match self.images.fetch(src).await {
                Ok(image) => (Some(image.bytes), true),
                Err(error) => (None, !error.is_transient()),
            },
        };
        let Ok(Ok(slot)) = tokio::time::timeout(WAIT_FOR_RENDERER, self.slots.clone().acquire_owned()).await else {
            metrics::card("busy");
            return Err(Uncached::Failed(CardError::Busy));
        };
        let (fonts, idle, dirs, card) =
            (self.fonts.clone(), self.idle.clone(), self.settings.font_dirs.clone(), card.clone());
        let work = tokio::task::spawn_blocking(move || {
            // Held until the drawing itself ends, not the request: a
            // drawing past its timeout still occupies a core.
            let _slot = slot;
            let library = fonts.get_or_init(|| {
                let started = Instant::now();
                let library = FontLibrary::load(&dirs);
                tracing::info!(faces = library.faces(), took_ms = started.elapsed().as_millis() as u64, "fonts loaded");
                library
            });
            let mut renderer =
                idle.lock().ok().and_then(|mut idle| idle.pop()).unwrap_or_else(|| Renderer::new(library));
            let photo = avatar.as_deref().and_then(decode_avatar);
            let result = renderer.render(&card, photo.as_ref());
            if let Ok(mut idle) = idle.lock() {
                idle.push(renderer);
            }
            result
        });
        let rendered = match tokio::time::timeout(self.settings.render_timeout, work).await {
            Ok(Ok(Ok(rendered))) => rendered,
            Ok(Ok(Err(error))) => {
                tracing::error!(%error, "share card failed");
                metrics::card("failed");
                return Err(Uncached::Failed(CardError::Failed));
            }
            Ok(Err(join)) => {
                tracing::error!(error = %join, "share card renderer panicked");
                metrics::card("failed");
                return Err(Uncached::Failed(CardError::Failed));
            }
            Err(_) => {
                tracing::warn!(timeout_ms = self.settings.render_timeout.as_millis() as u64, "share card timed out");
                metrics::card("timed_out");
                return Err(Uncached::Failed(CardError::TimedOut));
            }
        };
        if rendered.missing_glyphs > 0 {
            tracing::warn!(missing = rendered.missing_glyphs, "share card: characters no installed font has");
            metrics::card_missing_glyphs(rendered.missing_glyphs);
        }
        metrics::card_drawn(started.elapsed());
        metrics::card(if complete { "drawn" } else { "drawn_without_photo" });
        Ok(CardImage { png: rendered.png.into(), complete })
    }
}

enum Uncached {
    Incomplete(Arc<CardImage>),
    Failed(CardError),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> Card {
        Card {
            name: "Rohan".into(),
            username: "rohan".into(),
            bio: "hello".into(),
            photo_url: None,
            followers: "1.2K".into(),
            followers_label: "followers".into(),
            following: "3".into(),
            following_label: "following".into(),
            site_name: "inssa".into(),
            site_address: "inssa.club/@rohan".into(),
        }
    }

    #[test]
    fn the_token_changes_with_anything_drawn() {
        let base = card().token();
        assert_eq!(base.len(), 16);
        assert_eq!(base, card().token());
        let changed = [
            Card { followers: "1.3K".into(), ..card() },
            Card { bio: "hello!".into(), ..card() },
            Card { followers_label: "팔로워".into(), ..card() },
            Card { photo_url: Some("https://x/y.png".into()), ..card() },
        ];
        for other in changed {
            assert_ne!(other.token(), base, "{other:?}");
        }
    }
}
