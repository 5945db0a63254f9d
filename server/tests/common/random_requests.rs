//! Random requests for robustness runs: every route, every method, odd and
//! very long paths and file names, odd headers and bodies. Shared by the
//! bounded slice in `tests/it/robustness.rs` and the 100,000-request run in
//! the benchmark (`bench/src/main.rs` includes this file by path), so both
//! send the same kinds of request.

use rand::{rngs::StdRng, Rng};

/// Every route the server answers, with plausible starts for their
/// parameters; noise is appended to them.
pub const ROUTES: &[&str] = &[
    "/",
    "/@odessa.finch",
    "/@odessa.finch/history",
    "/@odessa.finch/history?page=",
    "/@odessa.finch/embed",
    "/@odessa.finch/embed?lang=",
    "/@odessa.finch/card.png",
    "/@odessa.finch/card.png?v=",
    "/@odessa.finch/feed.atom",
    "/@nosuch.person.zz",
    "/odessa.finch",
    "/@",
    "/@@",
    "/%40odessa.finch",
    "/feed.atom?u=",
    "/feed.atom?u=odessa.finch,",
    "/oembed?url=",
    "/oembed?format=json&url=http://localhost/@odessa.finch&maxwidth=",
    "/search",
    "/search?q=",
    "/search?q=a&page=",
    "/about",
    "/img",
    "/img?src=",
    "/api/v1/profiles/",
    "/api/v1/profiles/odessa.finch/history?page=",
    "/api/waitlist/join",
    "/api/waitlist/leave",
    "/api/waitlist/confirm",
    "/api/prefs/lang",
    "/api/prefs/theme",
    "/api/",
    "/waitlist",
    "/waitlist/joined",
    "/waitlist/leave?token=",
    "/waitlist/confirm?token=",
    "/waitlist/confirmed",
    "/waitlist/left",
    "/waitlist/unsubscribe?token=",
    "/pkg/",
    "/pkg/inssa.css",
    "/favicon.ico",
    "/robots.txt",
    "/avatar-placeholder.svg",
    "/readyz",
    "/healthz",
    "/metrics",
];

const NOISE: &[&str] = &[
    "%00",
    "%ff%fe",
    "%c0%af",
    "..%2f..%2fetc%2fpasswd",
    "/../../",
    "<script>",
    "'\"",
    "%E2%80%AE",
    "?q=%",
    "?src=javascript:x",
    "?token=",
    "?lang=xx&theme=<b>",
    "?lang=ko&theme=dark",
    "?page=-1",
    "?page=99999999999999999999",
    "?q=%F0%9F%8C%8A",
    "&&&==",
    "#frag",
    ";jsessionid=x",
    ".png",
    ".atom",
    "/embed",
    "/history",
    "//",
    "%2e%2e",
    "\u{1F30A}",
    "한국어",
];

const METHODS: &[&str] =
    &["GET", "GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "PROPFIND", "X"];

const CONTENT_TYPES: &[&str] = &[
    "application/x-www-form-urlencoded",
    "application/json",
    "text/plain",
    "multipart/form-data",
    "multipart/form-data; boundary=x",
    "application/cbor",
    "x/y",
    "",
];

pub fn noise(rng: &mut StdRng) -> String {
    let mut s = String::new();
    for _ in 0..rng.gen_range(0..4) {
        if rng.gen_bool(0.5) {
            s.push_str(NOISE[rng.gen_range(0..NOISE.len())]);
        } else {
            let len = rng.gen_range(0..40);
            s.extend((0..len).map(|_| (rng.gen_range(0x21u8..0x7f)) as char).filter(|c| !matches!(c, '#' | ' ')));
        }
    }
    s
}

/// One request: method, path and query (to append to the base URL),
/// headers and body.
pub struct RandomRequest {
    pub method: reqwest::Method,
    pub path: String,
    pub headers: Vec<(&'static str, Vec<u8>)>,
    pub body: Vec<u8>,
}

pub fn random_request(rng: &mut StdRng, base_url: &str) -> RandomRequest {
    let mut path = format!("{}{}", ROUTES[rng.gen_range(0..ROUTES.len())], noise(rng));
    match rng.gen_range(0..40) {
        // A very long path: a 2,000 to 20,000 character segment.
        0 => path.push_str(&"a".repeat(rng.gen_range(2_000..20_000))),
        // A long file name under the assets.
        1 => path = format!("/pkg/{}.wasm", "x".repeat(rng.gen_range(200..5_000))),
        // Deep nesting.
        2 => path.push_str(&"/..".repeat(rng.gen_range(10..500))),
        // A long query.
        3 => path.push_str(&format!("?q={}", "%41".repeat(rng.gen_range(100..3_000)))),
        _ => {}
    }
    let method = reqwest::Method::from_bytes(METHODS[rng.gen_range(0..METHODS.len())].as_bytes()).unwrap();
    let body: Vec<u8> = match rng.gen_range(0..6) {
        0 | 1 => Vec::new(),
        2 => noise(rng).into_bytes(),
        3 => {
            format!("email={}&consent=yes&source={}&website=&lang={}", noise(rng), noise(rng), noise(rng)).into_bytes()
        }
        4 => format!("{{\"email\":\"{}\",\"consent\":{}}}", noise(rng), rng.gen::<u8>()).into_bytes(),
        // Random bytes, sometimes past the 16 KiB body limit.
        _ => (0..rng.gen_range(0..24_000)).map(|_| rng.gen()).collect(),
    };
    let mut headers: Vec<(&'static str, Vec<u8>)> = Vec::new();
    let content_type = CONTENT_TYPES[rng.gen_range(0..CONTENT_TYPES.len())];
    if !content_type.is_empty() {
        headers.push(("content-type", content_type.as_bytes().to_vec()));
    }
    if rng.gen_bool(0.3) {
        let origin = if rng.gen_bool(0.5) { base_url.to_owned() } else { noise(rng) };
        headers.push(("origin", origin.into_bytes()));
    }
    if rng.gen_bool(0.3) {
        headers.push(("accept-language", noise(rng).into_bytes()));
        headers.push(("cookie", format!("lang={}; theme={}", noise(rng), noise(rng)).into_bytes()));
    }
    if rng.gen_bool(0.2) {
        headers.push(("x-forwarded-for", noise(rng).into_bytes()));
        headers.push(("if-none-match", noise(rng).into_bytes()));
        headers.push(("if-modified-since", noise(rng).into_bytes()));
    }
    if rng.gen_bool(0.1) {
        // Bytes no header should have but HTTP allows (obs-text), and a
        // long value.
        headers.push(("accept", (0..rng.gen_range(1..64)).map(|_| rng.gen_range(0x80u8..=0xff)).collect()));
        headers.push(("user-agent", "u".repeat(rng.gen_range(1_000..8_000)).into_bytes()));
    }
    if rng.gen_bool(0.1) {
        headers.push(("range", b"bytes=0-0,5-1,-99999999999999999".to_vec()));
        headers.push(("accept-encoding", noise(rng).into_bytes()));
        headers.push(("x-request-id", noise(rng).into_bytes()));
        headers.push(("authorization", format!("Bearer {}", noise(rng)).into_bytes()));
    }
    RandomRequest { method, path, headers, body }
}

/// Builds `request` for `client` against `base_url`; `None` when reqwest
/// itself refuses it (an unparsable URL or header), which the server
/// never sees.
pub fn build(client: &reqwest::Client, base_url: &str, request: RandomRequest) -> Option<reqwest::Request> {
    let url = reqwest::Url::parse(&format!("{base_url}{}", request.path)).ok()?;
    let mut builder = client.request(request.method, url).body(request.body);
    for (name, value) in request.headers {
        builder = builder.header(name, reqwest::header::HeaderValue::from_bytes(&value).ok()?);
    }
    builder.build().ok()
}
