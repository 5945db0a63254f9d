use std::time::Duration;

/// Why an upstream call gave no usable answer. The `String`s are for logs:
/// they never hold the token, and pages never show them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    #[error("not found upstream")]
    NotFound,
    /// 401 or 403: the token is wrong or the account is banned. Calls stop
    /// until the pause set by configuration is over.
    #[error("upstream refused our credentials (HTTP {status})")]
    Unauthorized { status: u16 },
    /// 429, the "high usage" message, or our own pause after one.
    #[error("rate limited upstream")]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx, Cloudflare 52x, connection failures, or our pause after those.
    #[error("upstream unavailable: {reason}")]
    Unavailable { reason: String, retry_after: Option<Duration> },
    #[error("upstream call timed out")]
    Timeout,
    /// An answer we cannot read: not JSON, wrong shape, too large.
    #[error("malformed upstream response: {reason}")]
    Malformed { reason: String },
    /// A well-formed refusal: `{"success": false, "error_message": …}` or an
    /// unexpected 4xx.
    #[error("upstream rejected the call: {reason}")]
    Rejected { reason: String },
}

impl UpstreamError {
    /// A short, stable name for metrics, health output and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            UpstreamError::NotFound => "not_found",
            UpstreamError::Unauthorized { .. } => "unauthorized",
            UpstreamError::RateLimited { .. } => "rate_limited",
            UpstreamError::Unavailable { .. } => "unavailable",
            UpstreamError::Timeout => "timeout",
            UpstreamError::Malformed { .. } => "malformed",
            UpstreamError::Rejected { .. } => "rejected",
        }
    }

    /// When a caller may try again, if the upstream or our pacing said so.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            UpstreamError::RateLimited { retry_after } | UpstreamError::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
