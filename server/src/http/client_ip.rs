use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};

use app::ports::ClientIp;

use super::AppState;

/// Records the visitor's address for per-client limits. `X-Forwarded-For`
/// is believed only from a trusted proxy (its last entry is the address the
/// proxy saw); from anyone else it could be forged.
pub async fn tag_client_ip(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    if let Some(peer) = peer {
        let client = if state.trusted_proxies.iter().any(|network| network.contains(peer)) { forwarded_for(&request).unwrap_or(peer) } else { peer };
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
