//! Errors as PeerTube writes them: `application/problem+json` with `type`, `title`, `detail`,
//! `status`, `error` (a copy of detail, which older clients read) and `code` where PeerTube has one.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: String,
    pub code: Option<&'static str>,
    /// For 400s on a named parameter: PeerTube's `invalid-params` member.
    pub param: Option<Box<(String, String, String)>>,
    pub extra_headers: Vec<(header::HeaderName, String)>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            detail: detail.into(),
            code: None,
            param: None,
            extra_headers: Vec::new(),
        }
    }
    pub fn code(mut self, code: &'static str) -> ApiError {
        self.code = Some(code);
        self
    }
    pub fn header(mut self, name: header::HeaderName, value: impl Into<String>) -> ApiError {
        self.extra_headers.push((name, value.into()));
        self
    }
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, detail)
    }
    /// A bad parameter, as PeerTube's validators report it.
    pub fn bad_param(name: &str, value: &str, msg: impl Into<String>, location: &str) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("Incorrect request parameters: {name}"),
        );
        e.param = Some(Box::new((
            name.to_string(),
            value.to_string(),
            format!("{}|{location}", msg.into()),
        )));
        e
    }
    pub fn unauthorized(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, detail).code("unauthorized_request")
    }
    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, detail)
    }
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, detail)
    }
    pub fn conflict(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, detail)
    }
    pub fn internal(detail: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %detail, "internal error");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
    }
}

impl From<ferrotube_db::DbError> for ApiError {
    fn from(e: ferrotube_db::DbError) -> Self {
        match e {
            ferrotube_db::DbError::Conflict(what) => {
                ApiError::conflict(format!("Already exists: {what}"))
            }
            other => ApiError::internal(other),
        }
    }
}

impl From<ferrotube_model::validate::FieldError> for ApiError {
    fn from(e: ferrotube_model::validate::FieldError) -> Self {
        ApiError::bad_param(e.field, "", e.message, "body")
    }
}

impl From<ferrotube_jobs::QueueError> for ApiError {
    fn from(e: ferrotube_jobs::QueueError) -> Self {
        ApiError::internal(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let type_ = match self.code {
            Some(c) => {
                format!("https://docs.joinpeertube.org/api-rest-reference.html#section/Errors/{c}")
            }
            None => "about:blank".to_string(),
        };
        let mut body = json!({
            "type": type_,
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "detail": self.detail,
            "status": self.status.as_u16(),
            "error": self.detail,
        });
        if let Some(c) = self.code {
            body["code"] = json!(c);
        }
        if let Some((name, value, msg_loc)) = self.param.as_deref() {
            let (msg, loc) = msg_loc
                .split_once('|')
                .unwrap_or((msg_loc.as_str(), "query"));
            body["invalid-params"] = json!({ name.clone(): {
                "type": "field", "value": value, "msg": msg, "path": name, "location": loc
            }});
        }
        let mut resp = (
            self.status,
            [(
                header::CONTENT_TYPE,
                "application/problem+json; charset=utf-8",
            )],
            body.to_string(),
        )
            .into_response();
        for (k, v) in self.extra_headers {
            if let Ok(v) = v.parse() {
                resp.headers_mut().insert(k, v);
            }
        }
        resp
    }
}
