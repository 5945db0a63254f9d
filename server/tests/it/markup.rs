//! Every page type is valid HTML: the Nu Html Checker (vnu, the W3C's
//! validator, from npm's `vnu-jar`) reads the pages as served and reports
//! no error.

use simulator::Faults;

use crate::common::{html, spawn_app};

const VNU: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../node_modules/vnu-jar/build/dist/vnu.jar");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_type_is_valid_html() {
    let app = spawn_app().await;
    let mut pages: Vec<(String, String)> = Vec::new();
    let mut fetch = async |path: &str, lang: &str, expected: u16| {
        let res = app.client.get(app.url(path)).header("accept-language", lang).send().await.unwrap();
        assert_eq!(res.status().as_u16(), expected, "{path}");
        let page = res.text().await.unwrap();
        assert!(page.trim_end().ends_with("</html>"), "{path}: something after </html>");
        pages.push((format!("{path} ({lang})"), page));
    };
    for lang in ["en", "ko", "ja"] {
        for path in [
            "/",
            "/@odessa.finch",
            "/@odessa.finch/history",
            "/@odessa.finch/embed",
            "/@xss.title",
            "/@long.bio",
            "/@many.clubs",
            "/search?q=a",
            "/search?q=a&page=2",
            "/search?q=zzzzqqq",
            "/search",
            "/about",
            "/waitlist",
            "/waitlist/joined",
            "/waitlist/confirm?token=x",
            "/waitlist/confirmed",
            "/waitlist/leave?token=x",
            "/waitlist/left",
        ] {
            fetch(path, lang, 200).await;
        }
        fetch("/@nosuch.person.zz", lang, 404).await;
        fetch("/a/b/c", lang, 404).await;
    }
    app.sim.sim.set_faults(Faults { down: true, ..Faults::default() });
    fetch("/@twren", "en", 503).await;
    fetch("/@twren", "ko", 503).await;
    assert_eq!(html(&app, "/").await.0, 200);

    let dir = std::env::temp_dir().join(format!("inssa-vnu-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (i, (_, page)) in pages.iter().enumerate() {
        let file = dir.join(format!("page-{i}.html"));
        std::fs::write(&file, page).unwrap();
        files.push(file);
    }
    let out = std::process::Command::new("java")
        .args(["-jar", VNU, "--errors-only", "--format", "gnu"])
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("java (scripts/setup.sh installs it) with {VNU}: {e}"));
    let report = String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let named = pages
        .iter()
        .enumerate()
        .fold(report, |report, (i, (name, _))| report.replace(&format!("page-{i}.html\""), &format!("{name}\"")));
    std::fs::remove_dir_all(&dir).ok();
    assert!(out.status.success() && named.trim().is_empty(), "the Nu Html Checker found errors:\n{named}");
    app.stop().await;
}
