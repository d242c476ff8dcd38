//! The core's errors written as PeerTube writes them: `application/problem+json` with `type`,
//! `title`, `detail`, `status`, `error` (a copy of detail, which older clients read), `code` where
//! PeerTube has one and `invalid-params` for a bad parameter.

use axum::http::header;
use axum::response::{IntoResponse, Response};
pub use ferrotube_app::error::{Error, ErrorCode, InvalidParam, ParamLocation};
use serde_json::json;

/// A handler's error: the core's [`Error`], answered as problem+json.
#[derive(Debug)]
pub struct ApiError(pub Error);

pub type ApiResult<T> = Result<T, ApiError>;

/// `ApiError::not_found(..)` and friends, as the core's constructors.
macro_rules! forward {
    ($($name:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {$(
        pub fn $name($($arg: $ty),*) -> ApiError {
            ApiError(Error::$name($($arg),*))
        }
    )*};
}

impl ApiError {
    pub fn new(status: axum::http::StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError(Error::new(status, detail))
    }
    forward!(
        bad_request(detail: impl Into<String>),
        unauthorized(detail: impl Into<String>),
        forbidden(detail: impl Into<String>),
        not_found(detail: impl Into<String>),
        conflict(detail: impl Into<String>),
        internal(detail: impl std::fmt::Display),
    );
    pub fn bad_param(
        name: &str,
        value: &str,
        message: impl Into<String>,
        location: ParamLocation,
    ) -> ApiError {
        ApiError(Error::bad_param(name, value, message, location))
    }
    pub fn code(self, code: ErrorCode) -> ApiError {
        ApiError(self.0.code(code))
    }
    pub fn header(self, name: header::HeaderName, value: impl Into<String>) -> ApiError {
        ApiError(self.0.header(name, value))
    }
}

impl std::ops::Deref for ApiError {
    type Target = Error;
    fn deref(&self) -> &Error {
        &self.0
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(e)
    }
}

impl From<ferrotube_db::DbError> for ApiError {
    fn from(e: ferrotube_db::DbError) -> Self {
        ApiError(e.into())
    }
}

impl From<ferrotube_model::validate::FieldError> for ApiError {
    fn from(e: ferrotube_model::validate::FieldError) -> Self {
        ApiError(e.into())
    }
}

impl From<ferrotube_jobs::QueueError> for ApiError {
    fn from(e: ferrotube_jobs::QueueError) -> Self {
        ApiError(e.into())
    }
}

impl From<ferrotube_app::federation::FedError> for ApiError {
    fn from(e: ferrotube_app::federation::FedError) -> Self {
        ApiError(e.into())
    }
}

/// The problem+json answer for an error.
pub fn problem(e: Error) -> Response {
    let type_ = match e.code {
        Some(c) => format!(
            "https://docs.joinpeertube.org/api-rest-reference.html#section/Errors/{}",
            c.as_str()
        ),
        None => "about:blank".to_string(),
    };
    let mut body = json!({
        "type": type_,
        "title": e.status.canonical_reason().unwrap_or("Error"),
        "detail": e.detail,
        "status": e.status.as_u16(),
        "error": e.detail,
    });
    if let Some(obj) = body.as_object_mut() {
        if let Some(c) = e.code {
            obj.insert("code".into(), json!(c.as_str()));
        }
        if let Some(p) = e.param.as_deref() {
            obj.insert(
                "invalid-params".into(),
                json!({ p.name.clone(): {
                    "type": "field",
                    "value": p.value,
                    "msg": p.message,
                    "path": p.name,
                    "location": p.location.as_str(),
                }}),
            );
        }
    }
    let mut resp = (
        e.status,
        [(
            header::CONTENT_TYPE,
            "application/problem+json; charset=utf-8",
        )],
        body.to_string(),
    )
        .into_response();
    for (k, v) in e.extra_headers {
        if let Ok(v) = v.parse() {
            resp.headers_mut().insert(k, v);
        }
    }
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        problem(self.0)
    }
}
