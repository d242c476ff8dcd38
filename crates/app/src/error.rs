//! The one error type of the instance's behaviour: what went wrong, as PeerTube tells clients
//! (an HTTP status, a detail, PeerTube's error code where it has one, the invalid parameter).
//! Free of any web framework: `crates/api` writes it as `application/problem+json`.

use http::{header::HeaderName, StatusCode};

/// PeerTube's machine-readable error codes (`code` in its problem+json answers; the names are
/// its `ServerErrorCode` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    UnauthorizedRequest,
    InvalidRequest,
    InvalidGrant,
    InvalidClient,
    UnsupportedGrantType,
    InvalidToken,
    InvalidCurrentPassword,
    MaxFileSizeReached,
    QuotaReached,
    DoesNotRespectFollowConstraints,
    TooManyRequests,
    MissingTwoFactor,
    InvalidTwoFactor,
    AccountWaitingForApproval,
    AccountApprovalRejected,
    VideoRequiresPassword,
    IncorrectVideoPassword,
    /// OAuth's `access_denied` (PeerTube: sign-in of a banned user, or of a user whose e-mail
    /// is not verified).
    AccessDenied,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::UnauthorizedRequest => "unauthorized_request",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::InvalidCurrentPassword => "invalid_current_password",
            ErrorCode::MaxFileSizeReached => "max_file_size_reached",
            ErrorCode::QuotaReached => "quota_reached",
            ErrorCode::DoesNotRespectFollowConstraints => "does_not_respect_follow_constraints",
            ErrorCode::TooManyRequests => "too_many_requests",
            ErrorCode::MissingTwoFactor => "missing_two_factor",
            ErrorCode::InvalidTwoFactor => "invalid_two_factor",
            ErrorCode::AccountWaitingForApproval => "account_waiting_for_approval",
            ErrorCode::AccountApprovalRejected => "account_approval_rejected",
            ErrorCode::VideoRequiresPassword => "video_requires_password",
            ErrorCode::IncorrectVideoPassword => "incorrect_video_password",
            ErrorCode::AccessDenied => "access_denied",
        }
    }
}

/// Where an invalid parameter was read from (PeerTube's `invalid-params[*].location`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Body,
    Query,
    Params,
    Headers,
}

impl ParamLocation {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Body => "body",
            ParamLocation::Query => "query",
            ParamLocation::Params => "params",
            ParamLocation::Headers => "headers",
        }
    }
}

/// One entry of PeerTube's `invalid-params` member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidParam {
    pub name: String,
    pub value: String,
    pub message: String,
    pub location: ParamLocation,
}

#[derive(Debug)]
pub struct Error {
    pub status: StatusCode,
    pub detail: String,
    pub code: Option<ErrorCode>,
    pub param: Option<Box<InvalidParam>>,
    pub extra_headers: Vec<(HeaderName, String)>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.detail)
    }
}

impl std::error::Error for Error {}

impl Error {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Error {
        Error {
            status,
            detail: detail.into(),
            code: None,
            param: None,
            extra_headers: Vec::new(),
        }
    }
    pub fn code(mut self, code: ErrorCode) -> Error {
        self.code = Some(code);
        self
    }
    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Error {
        self.extra_headers.push((name, value.into()));
        self
    }
    pub fn bad_request(detail: impl Into<String>) -> Error {
        Error::new(StatusCode::BAD_REQUEST, detail)
    }
    /// A bad parameter, as PeerTube's validators report it.
    pub fn bad_param(
        name: &str,
        value: &str,
        message: impl Into<String>,
        location: ParamLocation,
    ) -> Error {
        let mut e = Error::new(
            StatusCode::BAD_REQUEST,
            format!("Incorrect request parameters: {name}"),
        );
        e.param = Some(Box::new(InvalidParam {
            name: name.to_string(),
            value: value.to_string(),
            message: message.into(),
            location,
        }));
        e
    }
    pub fn unauthorized(detail: impl Into<String>) -> Error {
        Error::new(StatusCode::UNAUTHORIZED, detail).code(ErrorCode::UnauthorizedRequest)
    }
    pub fn forbidden(detail: impl Into<String>) -> Error {
        Error::new(StatusCode::FORBIDDEN, detail)
    }
    pub fn not_found(detail: impl Into<String>) -> Error {
        Error::new(StatusCode::NOT_FOUND, detail)
    }
    pub fn conflict(detail: impl Into<String>) -> Error {
        Error::new(StatusCode::CONFLICT, detail)
    }
    /// Logged here with its cause; the client only learns that it happened.
    pub fn internal(detail: impl std::fmt::Display) -> Error {
        tracing::error!(error = %detail, "internal error");
        Error::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
    }
}

impl From<ferrotube_db::DbError> for Error {
    fn from(e: ferrotube_db::DbError) -> Self {
        match e {
            ferrotube_db::DbError::Conflict(what) => {
                Error::conflict(format!("Already exists: {what}"))
            }
            other => Error::internal(other),
        }
    }
}

impl From<ferrotube_model::validate::FieldError> for Error {
    fn from(e: ferrotube_model::validate::FieldError) -> Self {
        Error::bad_param(e.field, "", e.message, ParamLocation::Body)
    }
}

impl From<ferrotube_jobs::QueueError> for Error {
    fn from(e: ferrotube_jobs::QueueError) -> Self {
        Error::internal(e)
    }
}

impl From<crate::federation::FedError> for Error {
    fn from(e: crate::federation::FedError) -> Self {
        use crate::federation::FedError;
        match e {
            FedError::Refused(why) => Error::bad_request(why),
            FedError::Fetch(f) => Error::new(
                StatusCode::BAD_REQUEST,
                format!("Cannot reach the remote server: {f}"),
            ),
            FedError::Vocab(v) => Error::bad_request(format!(
                "The remote server answered an invalid document: {v}"
            )),
            other => Error::internal(other),
        }
    }
}
