//! A bounded slice of the random-request run (the benchmark sends 100,000
//! of the same kind, `common/random_requests.rs`): every route, method and
//! odd input, 32 at a time, must never get a 5xx or a dropped connection,
//! and the server must still serve afterwards.

use futures::{stream, StreamExt};
use rand::{rngs::StdRng, SeedableRng};

use crate::common::{
    random_requests::{build, random_request},
    spawn_app,
};

/// RANDOM_REQUESTS sends more (the benchmark's 100,000, say).
const REQUESTS: usize = 3_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_requests_never_get_a_5xx_or_a_dropped_connection() {
    let app = spawn_app().await;
    // One seed, so the test command is repeatable; RANDOM_REQUESTS_SEED
    // tries others (the benchmark's run uses a new one each time).
    let seed = std::env::var("RANDOM_REQUESTS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20261201);
    println!("random requests: seed {seed} (RANDOM_REQUESTS_SEED replays it)");
    let mut rng = StdRng::seed_from_u64(seed);
    let requests_wanted: usize = std::env::var("RANDOM_REQUESTS").ok().and_then(|s| s.parse().ok()).unwrap_or(REQUESTS);
    let requests: Vec<_> = (0..requests_wanted)
        .filter_map(|_| build(&app.client, &app.base_url, random_request(&mut rng, &app.base_url)))
        .collect();
    assert!(requests.len() > requests_wanted * 9 / 10, "reqwest refused too many: {}", requests.len());
    let failures: Vec<String> = stream::iter(requests)
        .map(|request| async {
            // Some URLs are 20,000 characters long.
            let url: String = request.url().as_str().chars().take(160).collect();
            let what = format!("{} {url}", request.method());
            match app.client.execute(request).await {
                Ok(res) if res.status().is_server_error() => Some(format!("{what} -> {}", res.status())),
                Ok(res) => res.bytes().await.err().map(|e| format!("{what} -> body: {e}")),
                Err(e) => Some(format!("{what} -> {e:?}")),
            }
        })
        .buffer_unordered(32)
        .filter_map(|failure| async { failure })
        .collect()
        .await;
    assert!(
        failures.is_empty(),
        "seed {seed}: {} failures: {:#?}",
        failures.len(),
        &failures[..failures.len().min(20)]
    );
    assert_eq!(app.get("/healthz").await.status(), 200, "still serving");
    assert_eq!(app.get("/@odessa.finch").await.status(), 200);
    app.stop().await;
}
