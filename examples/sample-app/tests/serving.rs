//! The README's "Serving records" example, as a user runs it: the main job on a fresh
//! SQLite database, the sample app's `serve` on a free port, then the README's curl lines
//! (its block marked `run by examples/sample-app/tests/serving.rs`), whose output must
//! hold what the README says they print.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const APP: &str = env!("CARGO_BIN_EXE_ving-sample-app");

/// The README's curl lines.
fn readme_block() -> String {
    let readme = include_str!("../../../README.md");
    let marker = "<!-- run by examples/sample-app/tests/serving.rs -->\n```sh\n";
    let start = readme
        .find(marker)
        .expect("the README marks its curl example")
        + marker.len();
    let end = start + readme[start..].find("```").expect("the block ends");
    readme[start..end].to_owned()
}

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("address").port()
}

fn curl_is_there() -> bool {
    Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn the_readme_s_curl_example_runs() {
    if !curl_is_there() {
        assert!(!ving::testing::in_ci(), "curl is needed in CI");
        eprintln!("SKIPPED the README's curl example: curl is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("app.db").display());
    let job = Command::new(APP)
        .env("VING_SAMPLE_DATABASE_URL", &url)
        .output()
        .expect("the main job runs");
    assert!(
        job.status.success(),
        "{}",
        String::from_utf8_lossy(&job.stderr)
    );

    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let _server = Server(
        Command::new(APP)
            .args(["serve", "--listen", &address])
            .env("VING_SAMPLE_DATABASE_URL", &url)
            .stdout(Stdio::null())
            .spawn()
            .expect("the server starts"),
    );
    let started = Instant::now();
    while TcpStream::connect(&address).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the server never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let script = readme_block().replace("127.0.0.1:3000", &address);
    let run = Command::new("bash")
        .args(["-e", "-c", &script])
        .current_dir(dir.path())
        .output()
        .expect("bash runs the README's lines");
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // What the README's comments say each line prints, in order.
    let expected = [
        r#"{"error":{"code":401,"message":"Login required.","data":null},"url":"/api/v1/users","statusCode":401"#,
        r#"{"props":{"id":""#,
        r#""userId":"User"#,
        r#","bio":"","avatarId":null}}"#,
        r#"{"paging":{"page":1,"nextPage":1,"previousPage":1,"itemsPerPage":10,"totalItems":1,"totalPages":1},"items":[{"props":{"#,
        r#""username":"andy""#,
        r#""meta":{"kind":"User","isOwner":true,"displayName":"andy"}}]}"#,
        r#"{"useAsDisplayName":[{"value":"username","label":"Username"},"#,
        r#""userId":"User"#,
        r#"{"error":{"code":401,"message":"Login required.","data":null},"#,
    ];
    let mut at = 0;
    for piece in expected {
        match out[at..].find(piece) {
            Some(found) => at += found + piece.len(),
            None => panic!("expected {piece} after byte {at} of:\n{out}"),
        }
    }
    assert!(
        std::fs::read_to_string(dir.path().join("jar"))
            .is_ok_and(|jar| jar.contains("vingSessionId") && jar.contains("#HttpOnly_")),
        "the session cookie is HttpOnly"
    );
}
