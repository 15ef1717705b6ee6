//! The limits `ving::rest::Server` serves with, over a real connection: a client that
//! does not finish its headers is cut off after the header timeout, a request whose body
//! does not arrive is ving's 408 after the request timeout, and the rest is served.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use ving::rest::axum::routing::{get, post};
use ving::rest::axum::Router;

/// A server of two routes on a free port, with limits of one second.
async fn server() -> std::net::SocketAddr {
    let router = Router::new()
        .route("/ok", get(|| async { "ok" }))
        .route("/echo", post(|body: String| async move { body }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let address = listener.local_addr().expect("address");
    let server = ving::rest::Server::new(router)
        .header_timeout(Duration::from_secs(1))
        .request_timeout(Duration::from_secs(1));
    tokio::spawn(server.serve(listener, std::future::pending()));
    address
}

/// What the server sends on `stream` until it closes it (or 10 s pass), and when.
async fn answer(stream: &mut TcpStream) -> (String, Duration) {
    let start = Instant::now();
    let mut text = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut text)).await;
    (String::from_utf8_lossy(&text).into_owned(), start.elapsed())
}

#[tokio::test]
async fn slow_clients_are_cut_off_and_the_rest_is_served() {
    let address = server().await;
    // Headers that never end: the connection is closed after the header timeout.
    let mut slow = TcpStream::connect(address).await.expect("connect");
    slow.write_all(b"GET /ok HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("part of the headers");
    let (text, took) = answer(&mut slow).await;
    assert!(
        took < Duration::from_secs(5) && !text.contains("200 OK"),
        "{took:?}: {text:?}"
    );
    // A body that does not arrive: ving's 408 after the request timeout.
    let mut trickle = TcpStream::connect(address).await.expect("connect");
    trickle
        .write_all(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
        .await
        .expect("part of the body");
    let (text, took) = answer(&mut trickle).await;
    assert!(
        text.starts_with("HTTP/1.1 408") && text.contains("The request took too long."),
        "{text:?}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
    // And a whole request is answered.
    let mut whole = TcpStream::connect(address).await.expect("connect");
    whole
        .write_all(b"GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("a request");
    let (text, _) = answer(&mut whole).await;
    assert!(
        text.starts_with("HTTP/1.1 200") && text.ends_with("ok"),
        "{text:?}"
    );
}
