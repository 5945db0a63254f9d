//! A bounded random-request test against the running server: random paths,
//! methods, headers and bodies must never produce a 5xx or bring it down.

use crate::common::spawn_app;
use rand::{rngs::StdRng, Rng, SeedableRng};

const PATHS: &[&str] = &[
    "/",
    "/@odessa.finch",
    "/@",
    "/@@",
    "/search",
    "/search?q=",
    "/img",
    "/img?src=",
    "/api/v1/profiles/",
    "/api/waitlist/join",
    "/api/waitlist/leave",
    "/api/waitlist/confirm",
    "/api/prefs/lang",
    "/api/prefs/theme",
    "/waitlist",
    "/waitlist/joined",
    "/waitlist/leave",
    "/waitlist/confirm",
    "/waitlist/confirmed",
    "/waitlist/unsubscribe",
    "/pkg/",
    "/readyz",
    "/healthz",
    "/robots.txt",
    "/metrics",
];
const NOISE: &[&str] = &[
    "%00",
    "%ff%fe",
    "..%2f..%2fetc%2fpasswd",
    "<script>",
    "'\"",
    "%E2%80%AE",
    "?q=%",
    "?src=javascript:x",
    "?token=",
    "/../../",
    "?lang=xx&theme=<b>",
    "?q=%F0%9F%8C%8A",
    "&&&==",
    "#frag",
];

fn noise(rng: &mut StdRng) -> String {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_requests_never_get_a_5xx() {
    let app = spawn_app().await;
    let mut rng = StdRng::seed_from_u64(20261125);
    let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];
    let content_types =
        ["application/x-www-form-urlencoded", "application/json", "text/plain", "multipart/form-data", "x/y"];
    let mut failures = Vec::new();
    for _ in 0..400 {
        let path = format!("{}{}", PATHS[rng.gen_range(0..PATHS.len())], noise(&mut rng));
        let method = reqwest::Method::from_bytes(methods[rng.gen_range(0..methods.len())].as_bytes()).unwrap();
        let body: Vec<u8> = match rng.gen_range(0..4) {
            0 => Vec::new(),
            1 => noise(&mut rng).into_bytes(),
            2 => format!("email={}&consent=yes&source={}&website=", noise(&mut rng), noise(&mut rng)).into_bytes(),
            _ => (0..rng.gen_range(0..2048)).map(|_| rng.gen()).collect(),
        };
        let Ok(url) = reqwest::Url::parse(&app.url(&path)) else { continue };
        let mut request = app
            .client
            .request(method.clone(), url)
            .header("content-type", content_types[rng.gen_range(0..content_types.len())])
            .body(body);
        if rng.gen_bool(0.3) {
            request = request.header("origin", if rng.gen_bool(0.5) { app.base_url.clone() } else { noise(&mut rng) });
        }
        if rng.gen_bool(0.3) {
            request = request
                .header("accept-language", noise(&mut rng))
                .header("cookie", format!("lang={}", noise(&mut rng)));
        }
        if rng.gen_bool(0.2) {
            request = request.header("x-forwarded-for", noise(&mut rng)).header("if-none-match", noise(&mut rng));
        }
        let Ok(request) = request.build() else { continue };
        match app.client.execute(request).await {
            Ok(res) if res.status().is_server_error() => failures.push(format!("{method} {path} -> {}", res.status())),
            Ok(_) => {}
            Err(e) => failures.push(format!("{method} {path} -> {e}")),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(app.get("/healthz").await.status(), 200, "still serving");
    app.stop().await;
}
