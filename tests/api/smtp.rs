//! A real SMTP server on a local port (mailin-embedded) that keeps what it receives, and
//! the mails read back with an independent MIME parser (mail-parser) and iCalendar parser
//! (ical).

use std::io;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mailin_embedded::{Handler, Response, Server, SslConfig, response};

/// A message as the server received it: the envelope and the raw data.
#[derive(Debug, Clone)]
pub struct Received {
    pub envelope_to: Vec<String>,
    pub data: Vec<u8>,
}

/// Recipients at this domain are refused for good (550), like a mailbox that does not exist.
pub const REFUSED_DOMAIN: &str = "unzustellbar.example";

#[derive(Clone)]
struct Keeper {
    inbox: Arc<Mutex<Vec<Received>>>,
    refused: Arc<Mutex<Vec<String>>>,
    current: Option<Received>,
}

impl Handler for Keeper {
    fn rcpt(&mut self, to: &str) -> Response {
        let domain = to.rsplit_once('@').map(|(_, domain)| domain);
        if domain.is_some_and(|d| d.eq_ignore_ascii_case(REFUSED_DOMAIN)) {
            self.refused.lock().expect("refused").push(to.to_string());
            return response::NO_MAILBOX;
        }
        response::OK
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(Received {
            envelope_to: to.to_vec(),
            data: Vec::new(),
        });
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        if let Some(current) = &mut self.current {
            current.data.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some(received) = self.current.take() {
            self.inbox.lock().expect("inbox").push(received);
        }
        response::OK
    }
}

pub struct MailSink {
    pub port: u16,
    inbox: Arc<Mutex<Vec<Received>>>,
    refused: Arc<Mutex<Vec<String>>>,
}

impl MailSink {
    /// A server on a free port.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind smtp");
        Self::serve(listener)
    }

    /// A server on a given port (one that was free a moment ago: "the server comes back").
    pub fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind smtp again");
        Self::serve(listener)
    }

    /// A port where no server listens yet.
    pub fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port()
    }

    fn serve(listener: TcpListener) -> Self {
        let port = listener.local_addr().expect("smtp addr").port();
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(Vec::new()));
        let mut server = Server::new(Keeper {
            inbox: inbox.clone(),
            refused: refused.clone(),
            current: None,
        });
        server
            .with_name("mail.test")
            .with_ssl(SslConfig::None)
            .expect("ssl config")
            .with_num_threads(4)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Self {
            port,
            inbox,
            refused,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.inbox.lock().expect("inbox").clone()
    }

    /// Every recipient refused so far, once per attempt (`RCPT TO` at [`REFUSED_DOMAIN`]).
    pub fn refused(&self) -> Vec<String> {
        self.refused.lock().expect("refused").clone()
    }

    /// Waits until at least `count` mails arrived (at most `within`), then returns them all.
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<Mail> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let received = self.received();
            if received.len() >= count || tokio::time::Instant::now() >= deadline {
                return received.iter().map(Mail::parse).collect();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The mails to one address, once at least `count` of them arrived.
    pub async fn mails_to(&self, address: &str, count: usize) -> Vec<Mail> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let mails: Vec<Mail> = self
                .received()
                .iter()
                .map(Mail::parse)
                .filter(|m| m.envelope_to.iter().any(|to| to == address))
                .collect();
            if mails.len() >= count || tokio::time::Instant::now() >= deadline {
                return mails;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A received mail, parsed.
#[derive(Debug, Clone)]
pub struct Mail {
    pub envelope_to: Vec<String>,
    pub header_to: Vec<String>,
    pub cc_and_bcc: usize,
    /// `From`: the display name and the address.
    pub from: (String, String),
    pub reply_to: Vec<String>,
    pub subject: String,
    /// The `Message-ID`, without its angle brackets.
    pub message_id: String,
    pub text: String,
    pub html: String,
    /// `(filename, content type, content)` of each attachment.
    pub attachments: Vec<(String, String, String)>,
}

impl Mail {
    pub fn parse(received: &Received) -> Self {
        let message = mail_parser::MessageParser::default()
            .parse(&received.data)
            .expect("a MIME message");
        let addresses = |a: Option<&mail_parser::Address>| -> Vec<String> {
            a.map(|a| {
                a.iter()
                    .filter_map(|addr| addr.address().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
        };
        Self {
            envelope_to: received.envelope_to.clone(),
            header_to: addresses(message.to()),
            cc_and_bcc: addresses(message.cc()).len() + addresses(message.bcc()).len(),
            from: message
                .from()
                .and_then(|a| a.first())
                .map(|a| {
                    (
                        a.name().unwrap_or_default().to_string(),
                        a.address().unwrap_or_default().to_string(),
                    )
                })
                .unwrap_or_default(),
            reply_to: addresses(message.reply_to()),
            subject: message.subject().unwrap_or_default().to_string(),
            message_id: message.message_id().unwrap_or_default().to_string(),
            text: message
                .body_text(0)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            html: message
                .body_html(0)
                .map(|t| t.to_string())
                .unwrap_or_default(),
            attachments: message
                .attachments()
                .map(|part| {
                    use mail_parser::MimeHeaders;
                    let content_type = part
                        .content_type()
                        .map(|ct| format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or("")))
                        .unwrap_or_default();
                    (
                        part.attachment_name().unwrap_or_default().to_string(),
                        content_type,
                        String::from_utf8_lossy(part.contents()).to_string(),
                    )
                })
                .collect(),
        }
    }

    /// The first link in the text that starts with `prefix`.
    pub fn link(&self, prefix: &str) -> String {
        self.text
            .split_whitespace()
            .find(|word| word.starts_with(prefix))
            .unwrap_or_else(|| panic!("no link {prefix} in {}", self.text))
            .to_string()
    }

    /// The value of the `token` query parameter of the link starting with `prefix`.
    pub fn token(&self, prefix: &str) -> String {
        let link = self.link(prefix);
        link.split("token=")
            .nth(1)
            .expect("token parameter")
            .to_string()
    }

    /// The `.ics` attachment, parsed: the properties of its first event.
    pub fn calendar_event(&self) -> Vec<(String, String)> {
        let (_, content_type, ics) = self
            .attachments
            .iter()
            .find(|(name, _, _)| name.ends_with(".ics"))
            .expect("an .ics attachment");
        assert_eq!(content_type, "text/calendar");
        let calendar = ical::IcalParser::new(ics.as_bytes())
            .next()
            .expect("a calendar")
            .expect("a parseable calendar");
        // Local times refer to the zone the calendar defines.
        assert!(
            calendar.timezones.iter().any(|zone| zone
                .properties
                .iter()
                .any(|p| p.name == "TZID" && p.value.as_deref() == Some("Europe/Berlin"))),
            "no VTIMEZONE Europe/Berlin in {ics}"
        );
        let event = calendar.events.first().expect("an event");
        event
            .properties
            .iter()
            .map(|p| {
                let tzid = p.params.iter().flatten().find(|(name, _)| name == "TZID");
                let value = p.value.clone().unwrap_or_default();
                match tzid {
                    // DTSTART;TZID=Europe/Berlin:20191008T100000 reads as "Europe/Berlin 20191008T100000".
                    Some((_, zone)) => (p.name.clone(), format!("{} {value}", zone.join(","))),
                    None => (p.name.clone(), value),
                }
            })
            .collect()
    }
}
