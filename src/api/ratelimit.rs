//! Rate limits (IETF httpapi-ratelimit-headers): requests without a token per client
//! address, the costly anonymous ones (token, registration, search) more strictly, requests
//! with a token per token subject. Every limited response says its policy and what is left
//! (`RateLimit-Policy`, `RateLimit`); beyond it, 429 `rate_limited` with `Retry-After`.
//!
//! The strict policy (tokens, registrations, confirmations, searches) counts in PostgreSQL,
//! one statement per request (`db::rate_limits`): N replicas behind a balancer do not give
//! a client N times its quota. Should the database not answer, this replica's own counters
//! stand in. The other policies count in each replica's memory (GCRA, by the `governor`
//! crate): there a client gets up to the limit from each replica.

use std::net::IpAddr;
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{ACCEPT_LANGUAGE, HeaderName, HeaderValue, RETRY_AFTER};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};
use governor::Quota;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use ipnet::IpNet;

use crate::api::guard::{Verified, verify};
use crate::api::state::{AppState, REQUEST_SCOPE};
use crate::api::{pages, token};
use crate::base::{Principal, Scope};
use crate::config::{Rate, RateLimits};
use crate::db::rate_limits::{self, Taken};
use crate::error::{AppError, ErrorKind};

type Keyed = governor::RateLimiter<
    String,
    DefaultKeyedStateStore<String>,
    DefaultClock,
    StateInformationMiddleware,
>;

/// `RateLimit-Policy` and `RateLimit` of a response.
type Headers = [(HeaderName, String); 2];

/// One policy: its name in the headers, its rate, its counters per key (in this replica;
/// a shared policy's stand in for the database's).
struct Policy {
    name: &'static str,
    rate: Rate,
    counters: Keyed,
    shared: bool,
}

impl Policy {
    fn new(name: &'static str, rate: Rate, shared: bool) -> Self {
        let period = rate.per / rate.requests;
        let burst = std::num::NonZeroU32::new(rate.requests).unwrap_or(std::num::NonZeroU32::MIN);
        let quota = Quota::with_period(period.max(Duration::from_nanos(1)))
            .unwrap_or_else(|| Quota::per_second(burst))
            .allow_burst(burst);
        Self {
            name,
            rate,
            counters: governor::RateLimiter::keyed(quota).with_middleware(),
            shared,
        }
    }

    /// Like [`Self::check`], for a shared policy against the counters in PostgreSQL, which
    /// every replica shares; this replica's own while the database does not answer.
    async fn check_with(
        &self,
        state: Option<&AppState>,
        key: &str,
    ) -> Result<Headers, (u64, Headers)> {
        let Some(state) = state.filter(|_| self.shared) else {
            return self.check(key);
        };
        let taken = match state.conn().await {
            Ok(mut conn) => rate_limits::take(&mut conn, self.name, key, self.rate)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match taken {
            Ok(taken) => self.verdict(taken),
            Err(e) => {
                log::warn!(
                    "shared rate limit {}: {e}; counting in this replica",
                    self.name
                );
                self.check(key)
            }
        }
    }

    fn verdict(&self, taken: Taken) -> Result<Headers, (u64, Headers)> {
        let seconds = taken.seconds.max(0.0).ceil() as u64;
        if taken.allowed {
            Ok(self.headers(u32::try_from(taken.remaining).unwrap_or(0), seconds))
        } else {
            let wait = seconds.max(1);
            Err((wait, self.headers(0, wait)))
        }
    }

    fn policy_header(&self) -> String {
        format!(
            "\"{}\";q={};w={}",
            self.name,
            self.rate.requests,
            self.rate.per.as_secs()
        )
    }

    /// `Ok(headers)` when the request may pass, `Err(retry after, headers)` when not.
    fn check(&self, key: &str) -> Result<Headers, (u64, Headers)> {
        let per_request = self.rate.per / self.rate.requests;
        match self.counters.check_key(&key.to_string()) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let refill = per_request * (self.rate.requests - remaining.min(self.rate.requests));
                Ok(self.headers(remaining, refill.as_secs_f64().ceil() as u64))
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let wait = (wait.as_secs_f64().ceil() as u64).max(1);
                Err((wait, self.headers(0, wait)))
            }
        }
    }

    fn headers(&self, remaining: u32, reset: u64) -> Headers {
        [
            (
                HeaderName::from_static("ratelimit-policy"),
                self.policy_header(),
            ),
            (
                HeaderName::from_static("ratelimit"),
                format!("\"{}\";r={remaining};t={reset}", self.name),
            ),
        ]
    }
}

/// The counters of every policy, and whom to believe about the client address.
pub struct RateLimiter {
    anonymous: Policy,
    sensitive: Policy,
    token: Policy,
    trusted_proxies: Vec<IpNet>,
}

impl RateLimiter {
    pub fn new(limits: RateLimits, trusted_proxies: Vec<IpNet>) -> Self {
        Self {
            anonymous: Policy::new("anonymous", limits.anonymous, false),
            sensitive: Policy::new("sensitive", limits.sensitive, true),
            token: Policy::new("token", limits.token, false),
            trusted_proxies,
        }
    }

    /// Forgets keys whose quota is full again, so memory stays bounded.
    pub fn forget_idle(&self) {
        for policy in [&self.anonymous, &self.sensitive, &self.token] {
            policy.counters.retain_recent();
            policy.counters.shrink_to_fit();
        }
    }

    /// The client's address: the peer, or behind a trusted proxy the last address in
    /// `X-Forwarded-For` that is not itself a trusted proxy.
    fn client_address(&self, req: &ServiceRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        if !self.is_trusted(peer) {
            return Some(peer);
        }
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        // From the nearest hop outward: the first address not of a trusted proxy is the
        // client. An entry that is no address ends the walk there (what lies beyond it
        // was not written by a proxy we trust).
        let mut client = peer;
        for entry in forwarded.into_iter().rev() {
            let Ok(address) = entry.parse::<IpAddr>() else {
                break;
            };
            client = address;
            if !self.is_trusted(address) {
                break;
            }
        }
        Some(client)
    }

    fn is_trusted(&self, address: IpAddr) -> bool {
        self.trusted_proxies
            .iter()
            .any(|net| net.contains(&address))
    }
}

/// The key of a client address: an IPv6 client is counted by its /64, which one subscriber
/// usually holds whole.
fn address_key(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// The path as actix routes on it: percent-decoded except for `%`, `/` and `+`. Matching
/// the raw path would let `/api/v1/auth/%74oken` reach the token handler under a looser policy.
fn routed_path(req: &ServiceRequest) -> &str {
    req.match_info().get_ref().path()
}

fn is_token_request(method: &Method, path: &str) -> bool {
    method == Method::POST && path == "/api/v1/auth/token"
}

/// Anonymous requests that cost the service most: tokens (argon2), registrations and their
/// confirmation, searches (`q` on submissions and organisations).
fn is_sensitive(method: &Method, path: &str, query: &str) -> bool {
    match *method {
        Method::POST => {
            is_token_request(method, path)
                || path == "/api/v1/registrations/confirm"
                || (path.starts_with("/api/v1/rounds/") && path.ends_with("/registrations"))
        }
        Method::GET => {
            (path == "/api/v1/organisations" || path.ends_with("/submissions"))
                && serde_urlencoded::from_str::<Vec<(String, String)>>(query)
                    .map_or(true, |pairs| pairs.iter().any(|(name, _)| name == "q"))
        }
        _ => false,
    }
}

/// The middleware: picks the policy and key, answers 429 beyond the limit, and adds the
/// headers to every response of the API.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, Error> {
    let Some(limiter) = req.app_data::<web::Data<RateLimiter>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let page = pages::serves(req.path());
    if !(routed_path(&req).starts_with("/api/") || page) || req.method() == Method::OPTIONS {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    }
    let verified = verify(req.request()).await;
    let caller = verified.clone().ok().flatten();
    let scope = caller.as_ref().map_or(Scope::Every, Principal::scope);
    let (policy, key) = match &caller {
        Some(principal) => (&limiter.token, format!("token {}", principal.actor())),
        None => {
            let address = limiter
                .client_address(&req)
                .map_or_else(|| "unknown".to_string(), address_key);
            // A page's form does what the API's confirmation and cancellation do.
            if is_sensitive(req.method(), routed_path(&req), req.query_string())
                || (page && req.method() == Method::POST)
            {
                (&limiter.sensitive, address)
            } else {
                (&limiter.anonymous, address)
            }
        }
    };
    req.extensions_mut().insert(Verified(verified));
    let state = req.app_data::<web::Data<AppState>>().cloned();
    match policy
        .check_with(state.as_ref().map(|s| s.get_ref()), &key)
        .await
    {
        Ok(headers) => {
            let mut response = REQUEST_SCOPE.scope(scope, next.call(req)).await?;
            insert(response.headers_mut(), headers);
            Ok(response.map_into_left_body())
        }
        Err((wait, headers)) => {
            let error = AppError::new(
                ErrorKind::RateLimited,
                "rate_limited",
                format!(
                    "Too many requests ({} per {} s); retry in {wait} s.",
                    policy.rate.requests,
                    policy.rate.per.as_secs()
                ),
            );
            let mut response = if page {
                pages::busy(req.headers().get(ACCEPT_LANGUAGE))
            } else if is_token_request(req.method(), routed_path(&req)) {
                token::slow_down(&error)
            } else {
                error.error_response()
            };
            insert(response.headers_mut(), headers);
            if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
                response.headers_mut().insert(RETRY_AFTER, value);
            }
            Ok(req.into_response(response).map_into_right_body())
        }
    }
}

fn insert(map: &mut actix_web::http::header::HeaderMap, headers: Headers) {
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            map.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use actix_web::http::Method;

    #[test]
    fn searches_are_sensitive_and_plain_lists_are_not() {
        let sensitive = |path, query| super::is_sensitive(&Method::GET, path, query);
        assert!(sensitive("/api/v1/organisations", "q=Kita"));
        assert!(sensitive("/api/v1/organisations", "region=Halle&%71=Kita"));
        assert!(!sensitive("/api/v1/organisations", "region=Halle"));
        assert!(sensitive(
            "/api/v1/consultations/x/submissions",
            "q=Sprachkurs"
        ));
        assert!(!sensitive(
            "/api/v1/consultations/x/submissions",
            "kind=need"
        ));
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64() {
        let key = |a: &str| super::address_key(a.parse().unwrap());
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
        assert_eq!(key("2001:db8:1:2:3:4:5:6"), key("2001:db8:1:2:ffff::1"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
    }
}
