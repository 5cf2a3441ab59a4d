//! A real HTTP receiver for webhooks on a local port (actix-web), answering as told and
//! keeping what arrives.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// How the receiver answers the next delivery.
#[derive(Debug, Clone)]
pub enum Reply {
    Status(u16),
    /// A status with `Retry-After` in seconds.
    RetryAfter(u16, u64),
    /// Wait this long before answering 200.
    Sleep(Duration),
    /// 307 to another URL.
    Redirect(String),
}

#[derive(Debug, Clone)]
pub struct Delivered {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
    /// The W3C `traceparent` header, empty without one.
    pub traceparent: String,
    pub at: std::time::Instant,
}

impl Delivered {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    /// Whether one of the signatures is the HMAC-SHA256 of `id.timestamp.body` under the
    /// key of `secret` (`whsec_` + base64), computed here independently of the service.
    pub fn signed_with(&self, secret: &str) -> bool {
        let key = STANDARD
            .decode(secret.trim_start_matches("whsec_"))
            .expect("base64 key");
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("hmac key");
        mac.update(format!("{}.{}.{}", self.id, self.timestamp, self.body).as_bytes());
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        self.signature.split(' ').any(|s| s == expected)
    }
}

#[derive(Default)]
struct Inbox {
    delivered: Mutex<Vec<Delivered>>,
    replies: Mutex<VecDeque<Reply>>,
}

pub struct Receiver {
    pub url: String,
    inbox: Arc<Inbox>,
}

async fn receive(req: HttpRequest, body: web::Bytes, inbox: web::Data<Inbox>) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    inbox.delivered.lock().expect("inbox").push(Delivered {
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: String::from_utf8_lossy(&body).to_string(),
        traceparent: header("traceparent"),
        at: std::time::Instant::now(),
    });
    let reply = inbox.replies.lock().expect("replies").pop_front();
    match reply {
        None => HttpResponse::NoContent().finish(),
        Some(Reply::Status(code)) => HttpResponse::build(status(code)).finish(),
        Some(Reply::RetryAfter(code, seconds)) => HttpResponse::build(status(code))
            .insert_header(("Retry-After", seconds.to_string()))
            .finish(),
        Some(Reply::Redirect(to)) => HttpResponse::TemporaryRedirect()
            .insert_header(("Location", to))
            .finish(),
        Some(Reply::Sleep(wait)) => {
            tokio::time::sleep(wait).await;
            HttpResponse::Ok().finish()
        }
    }
}

fn status(code: u16) -> actix_web::http::StatusCode {
    actix_web::http::StatusCode::from_u16(code).expect("status")
}

impl Receiver {
    /// A receiver on a free port that answers `replies` in turn, then 204.
    pub fn start(replies: &[Reply]) -> Self {
        let inbox = Arc::new(Inbox::default());
        inbox
            .replies
            .lock()
            .expect("replies")
            .extend(replies.iter().cloned());
        let data = web::Data::from(inbox.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind receiver");
        let port = listener.local_addr().expect("addr").port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(2)
        .listen(listener)
        .expect("listen")
        .run();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/hooks/beteiligung"),
            inbox,
        }
    }

    pub fn delivered(&self) -> Vec<Delivered> {
        self.inbox.delivered.lock().expect("inbox").clone()
    }

    /// Waits until at least `count` deliveries arrived (at most `within`).
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Delivered> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let delivered = self.delivered();
            if delivered.len() >= count || tokio::time::Instant::now() >= deadline {
                return delivered;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
