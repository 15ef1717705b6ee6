//! What goes back to a client: JSON bodies, and ving's errors with the code as the HTTP
//! status, in a body that reads as both ving's documented one (`{"error": {"code",
//! "message", "data"}}`) and the one its server sends (nitro's `url`, `statusCode`,
//! `statusMessage`, `message`, `stack`, `data`, which ving's front end reads). A server
//! error's detail is logged with a request id, which the response carries in
//! `x-request-id`; the client reads only ving's wording.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::record::Ouch;

/// A handler's answer: a JSON body, or ving's error about the request at `url`.
pub(crate) type Reply = Result<Response, Failure>;

/// An [`Ouch`] about the request at a path: the error a handler returns.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) ouch: Ouch,
    pub(crate) url: String,
}

/// The `?` of a handler: an [`Ouch`] becomes a failure of the request at `url`.
pub(crate) trait AtUrl<T> {
    fn at(self, url: &str) -> Result<T, Failure>;
}

impl<T> AtUrl<T> for Result<T, Ouch> {
    fn at(self, url: &str) -> Result<T, Failure> {
        self.map_err(|ouch| Failure {
            ouch,
            url: url.to_owned(),
        })
    }
}

/// `body` (JSON text) as a 200 response.
pub(crate) fn json_bytes(body: Vec<u8>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// A request's path with its query, as nitro's error body names the request.
pub(crate) fn url_of(uri: &axum::http::Uri) -> String {
    uri.path_and_query()
        .map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned())
}

/// `value` as a 200 JSON response.
pub(crate) fn json_value(value: &Value) -> Response {
    json_bytes(serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec()))
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let Failure { ouch, url } = self;
        let status = StatusCode::from_u16(ouch.code)
            .ok()
            .filter(|s| s.is_client_error() || s.is_server_error())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let request_id = uuid::Uuid::new_v4().to_string();
        if status.is_server_error() {
            tracing::error!(target: "ving::rest", %request_id, %url, code = ouch.code, message = %ouch.message, "request failed");
        } else {
            tracing::debug!(target: "ving::rest", %request_id, %url, code = ouch.code, message = %ouch.message, "request refused");
        }
        let mut body = Map::new();
        if let Ok(Value::Object(fields)) = serde_json::to_value(&ouch) {
            let data = fields.get("data").cloned().unwrap_or(Value::Null);
            body.insert(
                "error".into(),
                serde_json::json!({ "code": ouch.code, "message": ouch.message, "data": data }),
            );
            body.insert("url".into(), Value::String(url));
            body.extend(fields);
            // nitro's body has an empty stack (outside development) before the data.
            let data = body.shift_remove("data").unwrap_or(Value::Null);
            body.insert("stack".into(), Value::String(String::new()));
            body.insert("data".into(), data);
        }
        let mut response = (status, json_value(&Value::Object(body))).into_response();
        if let Ok(id) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert("x-request-id", id);
        }
        response
    }
}

/// A request body as ving's `getBody` reads it: JSON text holding an object (or no
/// body: `None`), at most `limit` bytes. Over the limit is a 413, a body that is not
/// JSON (or not an object) ving's 400, and a body sent as another media type a 415.
pub(crate) async fn read_body(
    body: Body,
    content_type: Option<&HeaderValue>,
    limit: usize,
) -> Result<Option<Map<String, Value>>, Ouch> {
    let bytes: Bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        Ouch::new(
            413,
            format!("The request body is larger than {limit} bytes."),
        )
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if let Some(content_type) = content_type {
        let media = content_type.to_str().unwrap_or_default();
        let media = media.split(';').next().unwrap_or_default().trim();
        if !media.eq_ignore_ascii_case("application/json") {
            return Err(Ouch::new(
                415,
                "Only JSON is accepted: send the body as application/json.",
            ));
        }
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(body)) => Ok(Some(body)),
        _ => Err(Ouch::new(
            400,
            "Malformed body JSON. Perhaps you have a dangling comma.",
        )),
    }
}

/// ving's `testRequired`: the body holds each field, neither null nor empty text (441
/// naming it); no body is a 400.
pub(crate) fn require<'b>(
    body: &'b Option<Map<String, Value>>,
    fields: &[&str],
) -> Result<&'b Map<String, Value>, Ouch> {
    let Some(body) = body else {
        return Err(Ouch::new(400, "No params detected."));
    };
    for field in fields {
        if body
            .get(*field)
            .is_none_or(|v| v.is_null() || v.as_str() == Some(""))
        {
            return Err(Ouch::about(441, *field, format!("{field} is required.")));
        }
    }
    Ok(body)
}
