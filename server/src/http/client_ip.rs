use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};

use services::ClientIp;

use super::SharedState;

/// Records the visitor's address for per-client limits. `X-Forwarded-For`
/// is believed only from a trusted proxy (its last entry is the address the
/// proxy saw); from anyone else it could be forged.
pub async fn tag_client_ip(State(state): State<SharedState>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if let Some(peer) = peer {
        let client = if state.trusted_proxies.iter().any(|network| crate::config::network_contains(network, peer)) {
            forwarded_for(&request).unwrap_or(peer)
        } else {
            peer
        };
        request.extensions_mut().insert(ClientIp(client));
    }
    next.run(request).await
}

fn forwarded_for(request: &Request) -> Option<IpAddr> {
    request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .last()
        .and_then(|ip| ip.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use axum::body::Body;
    use proptest::prelude::*;

    use super::{forwarded_for, Request};

    proptest! {
        /// The trusted proxy appends the address it saw; whatever the client
        /// wrote before it, in one header line or several, cannot change it.
        #[test]
        fn the_proxys_own_entry_wins(forged in "[ -~]{0,60}", seen in any::<IpAddr>()) {
            let one_line = Request::builder()
                .header("x-forwarded-for", format!("{forged}, {seen}"))
                .body(Body::empty())
                .unwrap();
            prop_assert_eq!(forwarded_for(&one_line), Some(seen));
            let two_lines = Request::builder()
                .header("x-forwarded-for", forged.as_str())
                .header("x-forwarded-for", seen.to_string())
                .body(Body::empty())
                .unwrap();
            prop_assert_eq!(forwarded_for(&two_lines), Some(seen));
            // A forged header alone parses or not, without a panic.
            let alone = Request::builder().header("x-forwarded-for", forged.as_str()).body(Body::empty()).unwrap();
            let _ = forwarded_for(&alone);
        }
    }
}
