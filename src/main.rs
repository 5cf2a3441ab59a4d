//! The `beteiligung` command: serve the API, migrate, mint tokens, create API clients,
//! print the OpenAPI document.

use std::process::ExitCode;
use std::time::Duration;

use beteiligung::api::openapi;
use beteiligung::auth::TokenService;
use beteiligung::base::{AuthorityOfCaller, Principal, Role};
use beteiligung::config::{Config, LogFormat, MissingSecret};
use beteiligung::domain::client::{self, NewClient};
use beteiligung::domain::{authority, retention};
use beteiligung::{db, demo, startup};
use clap::{Parser, Subcommand};
use uuid::Uuid;

#[derive(Parser)]
#[command(
    name = "beteiligung",
    version,
    about = "Beteiligung: consultations API (configuration: see README, environment variables)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create and migrate the database, then serve the API on BIND_ADDR.
    Serve {
        /// Load three example authorities with their consultations (among them
        /// "Integrationskonzept Sachsen-Anhalt") and print an admin token and each
        /// authority's moderator and authority_admin tokens (generates a JWT_SECRET when
        /// none is set).
        #[arg(long)]
        demo: bool,
    },
    /// Create and migrate the database, then exit.
    Migrate,
    /// Print a signed access token (and nothing else).
    Token {
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The token's subject, e.g. the name of the person or tool using it.
        #[arg(long)]
        subject: String,
        /// The organisation a partner token acts for.
        #[arg(long)]
        org: Option<Uuid>,
        /// The slug of the authority an authority_admin or moderator token acts for (may
        /// be left out while the deployment has one authority).
        #[arg(long)]
        authority: Option<String>,
        /// Lifetime, e.g. 15m, 1h, 7d.
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        ttl: Duration,
    },
    /// Manage API clients.
    Client {
        #[command(subcommand)]
        command: ClientCommand,
    },
    /// Anonymise the personal data whose retention period ended, once, and print what was
    /// done (the service does it every RETENTION_INTERVAL).
    Purge,
    /// Print the OpenAPI document.
    Openapi,
    /// Write every mail (each kind) and every page (each state) in every language as HTML
    /// files into DIR, as registrants see them (links as configured).
    Preview {
        /// The folder to write into (created if missing).
        dir: std::path::PathBuf,
    },
    /// Exit 0 when the server on BIND_ADDR answers /healthz with 200 (for container
    /// health checks, without curl in the image).
    Healthcheck,
}

#[derive(Subcommand)]
enum ClientCommand {
    /// Create an API client and print its client_id and client_secret.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        org: Option<Uuid>,
        /// The slug of the authority an authority_admin or moderator client acts for.
        #[arg(long)]
        authority: Option<String>,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

fn main() -> ExitCode {
    one_malloc_arena();
    let log_format = match LogFormat::from_env() {
        Ok(format) => format,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    beteiligung::logging::init(log_format);
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Openapi => {
            print!("{}", openapi::spec_json());
            Ok(())
        }
        Command::Token {
            role,
            subject,
            org,
            authority,
            ttl,
        } => token(role, subject, org, authority, ttl),
        Command::Healthcheck => healthcheck(),
        Command::Preview { dir } => preview(&dir),
        command => actix_web::rt::System::new().block_on(run(command)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A log collector reads the reason too, as a record like the others.
        Err(e) if log_format == LogFormat::Json => {
            log::error!("{e:#}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn token(
    role: Role,
    subject: String,
    org: Option<Uuid>,
    authority: Option<String>,
    ttl: Duration,
) -> anyhow::Result<()> {
    match (role, org) {
        (Role::Partner, None) => anyhow::bail!("a partner token needs --org"),
        (Role::Admin | Role::AuthorityAdmin | Role::Moderator, Some(_)) => {
            anyhow::bail!("--org is only for partner tokens")
        }
        _ => {}
    }
    if authority.is_some() && !role.acts_for_an_authority() {
        anyhow::bail!("--authority is only for authority_admin and moderator tokens");
    }
    let config = Config::from_env(MissingSecret::Refuse)?;
    if ttl > config.jwt.max_ttl {
        anyhow::bail!(
            "--ttl must be at most {} (TOKEN_MAX_TTL)",
            humantime::format_duration(config.jwt.max_ttl)
        );
    }
    let principal = Principal {
        subject,
        role,
        organisation_id: org,
        display_name: None,
        authority: authority.map(AuthorityOfCaller::named),
    };
    println!("{}", TokenService::new(&config.jwt).issue(&principal, ttl)?);
    Ok(())
}

fn healthcheck() -> anyhow::Result<()> {
    use std::io::{Read, Write};
    let bind = std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let mut address: std::net::SocketAddr = bind.parse()?;
    if address.ip().is_unspecified() {
        address.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let timeout = Duration::from_secs(3);
    let mut stream = std::net::TcpStream::connect_timeout(&address, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    anyhow::ensure!(
        response.starts_with("HTTP/1.0 200") || response.starts_with("HTTP/1.1 200"),
        "unhealthy: {}",
        response.lines().next().unwrap_or("no response")
    );
    Ok(())
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo } => serve(demo).await,
        Command::Migrate => {
            let config = Config::from_env(MissingSecret::Generate)?;
            startup::prepare_database(&config).await
        }
        Command::Client {
            command:
                ClientCommand::Create {
                    name,
                    role,
                    org,
                    authority,
                },
        } => {
            let config = Config::from_env(MissingSecret::Generate)?;
            startup::prepare_database(&config).await?;
            let pool = db::pool(&config, 1)?;
            let mut conn = pool.get().await?;
            let authority_id = match authority {
                Some(slug) => Some(
                    authority::id_of_slug(&mut conn, &slug)
                        .await?
                        .ok_or_else(|| anyhow::anyhow!("--authority: no authority {slug:?}"))?,
                ),
                None => None,
            };
            let new = NewClient {
                name,
                role,
                organisation_id: org,
                authority_id,
            };
            let created = client::create(&mut conn, new)
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
            println!("client_id={}", created.client_id);
            println!("client_secret={}", created.client_secret);
            Ok(())
        }
        Command::Purge => {
            let config = Config::from_env(MissingSecret::Generate)?;
            startup::prepare_database(&config).await?;
            let pool = db::pool(&config, 1)?;
            let mut conn = pool.get().await?;
            match retention::purge(&mut conn, chrono::Utc::now())
                .await
                .map_err(|e| anyhow::anyhow!("{}", e.detail))?
            {
                Some(purged) => println!(
                    "anonymised {} registrations and {} submission authors; deleted {} access-log entries",
                    purged.registrations, purged.submission_authors, purged.access_log_entries
                ),
                None => println!("another replica is applying the retention periods; nothing done"),
            }
            Ok(())
        }
        Command::Openapi
        | Command::Token { .. }
        | Command::Healthcheck
        | Command::Preview { .. } => {
            unreachable!("handled without a runtime")
        }
    }
}

async fn serve(demo: bool) -> anyhow::Result<()> {
    let missing = if demo {
        MissingSecret::Generate
    } else {
        MissingSecret::Refuse
    };
    let generated_secret = std::env::var_os("JWT_SECRET").is_none();
    let mut config = Config::from_env(missing)?;
    // The demo shows its mails in the log when no SMTP server is configured.
    config.mail.log_without_smtp = demo;
    startup::prepare_database(&config).await?;
    let listener = std::net::TcpListener::bind(&config.bind_addr)
        .map_err(|e| anyhow::anyhow!("BIND_ADDR {}: {e}", config.bind_addr))?;
    let address = listener.local_addr()?;
    if demo {
        let pool = db::pool(&config, 1)?;
        let mut conn = pool.get().await?;
        let loaded = demo::load(&mut conn).await?;
        for client in demo::load_clients(&mut conn, |name| std::env::var(name).ok()).await? {
            println!("Demo API client from the environment: {client}");
        }
        if generated_secret {
            println!(
                "JWT_SECRET was not set: generated one for this process; its tokens end with it."
            );
        }
        println!(
            "Demo consultations loaded: Integrationskonzept Sachsen-Anhalt, \
Verbändegespräch Arbeitsmarktintegration, Netzwerktreffen Integration in Arbeit und Ausbildung"
        );
        print_demo_tokens(&TokenService::new(&config.jwt))?;
        println!("API docs: http://{address}/docs/");
        // The mail itself is logged by the mail worker (no SMTP_URL in the demo).
        if let Some(link) = loaded.confirm_link(&config.mail.links.confirm) {
            log::info!("Bestätigungslink der ersten Demo-Anmeldung: {link}");
        }
    }
    log::info!("listening on http://{address}");
    let telemetry = beteiligung::telemetry::Telemetry::from_config(&config.tracing)?;
    let drain = beteiligung::api::drain::Drain::default();
    let server = startup::run_with(&config, listener, telemetry.clone(), drain.clone())?;
    actix_web::rt::spawn(beteiligung::api::drain::stop_on_signal(
        drain,
        server.handle(),
        config.drain_delay,
    ));
    server.await?;
    log::info!("stopped");
    // The exporter's thread sends what is left; it blocks until then.
    tokio::task::spawn_blocking(move || telemetry.shutdown()).await?;
    Ok(())
}

/// An admin token, and for each of the demo's authorities a moderator and an
/// authority_admin token, valid for 8 hours.
fn print_demo_tokens(tokens: &TokenService) -> anyhow::Result<()> {
    let ttl = Duration::from_secs(8 * 3600);
    let admin = Principal {
        subject: "demo-admin".into(),
        role: Role::Admin,
        organisation_id: None,
        display_name: None,
        authority: None,
    };
    println!("Admin token (8h): {}", tokens.issue(&admin, ttl)?);
    for authority in demo::AUTHORITIES {
        println!("{} ({}):", authority.name, authority.slug);
        for role in [Role::Moderator, Role::AuthorityAdmin] {
            let staff = Principal {
                subject: format!("demo-{role}-{}", authority.slug),
                role,
                authority: Some(AuthorityOfCaller::named(authority.slug)),
                ..admin.clone()
            };
            println!("  {role} token (8h): {}", tokens.issue(&staff, ttl)?);
        }
    }
    Ok(())
}

/// glibc gives every thread that allocates its own malloc arena and keeps much of what is
/// freed in it: the idle service held 15 MiB more that way (of 28 MiB anonymous memory).
/// The service's threads are few and allocate little per request, so one arena suffices.
fn one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called first in `main`, before any other thread exists; mallopt only changes
    // a tuning parameter of the allocator.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Writes the preview files of every mail and page.
fn preview(dir: &std::path::Path) -> anyhow::Result<()> {
    let config = Config::from_env(MissingSecret::Generate)?;
    let links = beteiligung::domain::notification::letter::Links {
        confirm: config.mail.links.confirm,
        cancel: config.mail.links.cancel,
    };
    std::fs::create_dir_all(dir)?;
    let files = beteiligung::api::pages::preview::all(&links);
    for (name, html) in &files {
        std::fs::write(dir.join(name), html)?;
    }
    println!("{} files in {}", files.len(), dir.display());
    Ok(())
}
