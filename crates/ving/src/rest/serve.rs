//! Serving a router on a listener with the limits a public server needs, which
//! `axum::serve` leaves out: a client has [`Server::header_timeout`] to send a request's
//! headers (one that sends them a byte at a time, or opens connections and sends nothing,
//! would otherwise hold a connection and a file handle for ever), and a request has
//! [`Server::request_timeout`] to be read and answered (a body that trickles in is cut
//! off with ving's 408).
//!
//! # Examples
//!
//! ```no_run
//! # async fn run(router: axum::Router) -> std::io::Result<()> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! // Until the process ends (or give a future that completes on Ctrl-C).
//! ving::rest::Server::new(router)
//!     .serve(listener, std::future::pending())
//!     .await
//! # }
//! ```

use std::future::Future;
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;

use super::reply::{url_of, Failure};
use crate::record::Ouch;

/// A router to serve, with its time limits.
#[derive(Debug, Clone)]
pub struct Server {
    router: Router,
    header_timeout: Duration,
    request_timeout: Duration,
}

impl Server {
    /// `router` with the default limits: 30 s for a request's headers (hyper's default
    /// and node's order of magnitude), 60 s for a request.
    pub fn new(router: Router) -> Server {
        Server {
            router,
            header_timeout: Duration::from_secs(30),
            request_timeout: Duration::from_secs(60),
        }
    }

    /// How long a client may take to send a request's headers (and, on a kept-alive
    /// connection, the next request's): then its connection is closed.
    pub fn header_timeout(mut self, limit: Duration) -> Server {
        self.header_timeout = limit;
        self
    }

    /// How long a request may take to be read and answered: then it is ving's 408
    /// `Request Timeout`, and its connection is closed.
    pub fn request_timeout(mut self, limit: Duration) -> Server {
        self.request_timeout = limit;
        self
    }

    /// Serves on `listener` until `shutdown` completes: then no connection is accepted
    /// (those open finish on their own). A failed accept (the process out of file
    /// handles) is logged and retried after a pause, never the end of the server.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send,
    ) -> std::io::Result<()> {
        let limit = self.request_timeout;
        let router = self.router.layer(axum::middleware::from_fn(
            move |request: Request, next: Next| timed(limit, request, next),
        ));
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let accepted = tokio::select! {
                () = &mut shutdown => return Ok(()),
                accepted = listener.accept() => accepted,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(target: "ving::rest", %error, "a connection could not be accepted");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let service = TowerToHyperService::new(router.clone());
            let header_timeout = self.header_timeout;
            tokio::spawn(async move {
                let served = hyper::server::conn::http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(header_timeout)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
                if let Err(error) = served {
                    tracing::debug!(target: "ving::rest", %error, "a connection ended");
                }
            });
        }
    }
}

/// `next` within `limit`, else ving's 408.
async fn timed(limit: Duration, request: Request, next: Next) -> Response {
    // A clone shares the URI's bytes: it is written out only for a request that times out.
    let uri = request.uri().clone();
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            let ouch = Ouch::new(408, "The request took too long.");
            let url = url_of(&uri);
            let mut response = Failure { ouch, url }.into_response();
            // The body may be unread: the connection is not used again.
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
            response
        }
    }
}
