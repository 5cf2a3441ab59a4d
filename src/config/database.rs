//! `DATABASE_URL` and `DATABASE_READ_URL`, with libpq's TLS parameters: `sslmode` and
//! `sslrootcert`. tokio-postgres knows only `disable`, `prefer` and `require` (and checks no
//! certificate), so both parameters are taken out of the URL here; the rest of it stays as
//! written (several hosts, `target_session_attrs`) and goes to tokio-postgres.

use std::path::PathBuf;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::settings::{ConfigError, DEFAULT_DATABASE_URL, invalid};

/// How a connection is protected, as libpq's `sslmode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS if the server offers it, without checking its certificate (libpq's default).
    /// `allow` (plain first, TLS if the server insists) is read as this.
    Prefer,
    /// TLS, without checking the certificate.
    Require,
    /// TLS, the certificate chain checked against `sslrootcert`, not the host name.
    VerifyCa,
    /// TLS, chain and host name checked.
    VerifyFull,
}

/// The certificates that `sslrootcert` names.
#[derive(Clone, Debug)]
pub enum RootCerts {
    None,
    /// The CA certificates of a PEM file.
    File(Vec<CertificateDer<'static>>),
    /// `sslrootcert=system`: the platform's trusted roots.
    System,
}

/// The TLS parameters of a database URL, and the URL without them.
#[derive(Clone, Debug)]
pub struct DatabaseTls {
    pub mode: SslMode,
    pub roots: RootCerts,
    /// The URL for tokio-postgres: without `sslmode` and `sslrootcert`.
    pub url: String,
}

/// Reads the variable `name` (a `postgres://` URL) and checks its TLS parameters.
pub(super) fn database_url(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<String, ConfigError> {
    let database_url = var(name).unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
    if !(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://")) {
        return Err(invalid(name, "must be a postgres:// or postgresql:// URL"));
    }
    DatabaseTls::from_url(&database_url).map_err(|message| invalid(name, message))?;
    Ok(database_url)
}

impl DatabaseTls {
    /// Takes `sslmode` and `sslrootcert` out of `url` and reads the CA file, with libpq's
    /// rules: `require` with a `sslrootcert` checks the chain like `verify-ca`; the
    /// `verify-` modes need a `sslrootcert`; `system` only with `verify-full`.
    pub fn from_url(url: &str) -> Result<Self, String> {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut mode = None;
        let mut root_cert = None;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decoded = || {
                percent_encoding::percent_decode_str(value)
                    .decode_utf8()
                    .map(|v| v.into_owned())
                    .map_err(|_| format!("{key} is not UTF-8"))
            };
            match key {
                "sslmode" => mode = Some(ssl_mode(&decoded()?)?),
                "sslrootcert" => root_cert = Some(decoded()?),
                _ => kept.push(pair),
            }
        }
        let roots = match root_cert.as_deref() {
            None => RootCerts::None,
            Some("system") => RootCerts::System,
            Some(path) => RootCerts::File(ca_file(path)?),
        };
        let mode = match (mode.unwrap_or(SslMode::Prefer), &roots) {
            (SslMode::VerifyCa | SslMode::VerifyFull, RootCerts::None) => {
                return Err("sslmode=verify-ca and verify-full need sslrootcert (a PEM file of the CA certificates, or `system`)".into());
            }
            (mode, RootCerts::System) if mode != SslMode::VerifyFull => {
                return Err("sslrootcert=system needs sslmode=verify-full".into());
            }
            (SslMode::Require, RootCerts::File(_)) => SslMode::VerifyCa,
            (mode, _) => mode,
        };
        let url = match kept.is_empty() {
            true => base.to_string(),
            false => format!("{base}?{}", kept.join("&")),
        };
        Ok(Self { mode, roots, url })
    }
}

fn ssl_mode(value: &str) -> Result<SslMode, String> {
    Ok(match value {
        "disable" => SslMode::Disable,
        "allow" | "prefer" => SslMode::Prefer,
        "require" => SslMode::Require,
        "verify-ca" => SslMode::VerifyCa,
        "verify-full" => SslMode::VerifyFull,
        other => {
            return Err(format!(
                "sslmode `{other}` is none of disable, allow, prefer, require, verify-ca, verify-full"
            ));
        }
    })
}

/// The certificates of the PEM file `path`: at least one.
fn ca_file(path: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let path = PathBuf::from(path);
    let pem = std::fs::read(&path)
        .map_err(|e| format!("sslrootcert {} cannot be read: {e}", path.display()))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("sslrootcert {} is no PEM file: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "sslrootcert {} holds no certificate",
            path.display()
        ));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::{DatabaseTls, SslMode};

    #[test]
    fn the_tls_parameters_are_taken_out_and_the_rest_is_kept() {
        let tls = DatabaseTls::from_url(
            "postgres://app@db-a:5433,db-b/b?sslmode=require&target_session_attrs=read-write",
        )
        .unwrap();
        assert_eq!(tls.mode, SslMode::Require);
        assert_eq!(
            tls.url,
            "postgres://app@db-a:5433,db-b/b?target_session_attrs=read-write"
        );
        let plain = DatabaseTls::from_url("postgres://app@db/b").unwrap();
        assert_eq!(plain.mode, SslMode::Prefer);
        assert_eq!(plain.url, "postgres://app@db/b");
    }

    #[test]
    fn wrong_tls_parameters_are_named() {
        let error = |url| DatabaseTls::from_url(url).unwrap_err();
        assert!(error("postgres://db/b?sslmode=verify").contains("sslmode `verify`"));
        assert!(error("postgres://db/b?sslmode=verify-full").contains("need sslrootcert"));
        assert!(
            error("postgres://db/b?sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem")
                .contains("sslrootcert /nonexistent/ca.pem cannot be read")
        );
        assert!(
            error("postgres://db/b?sslmode=require&sslrootcert=system").contains("verify-full")
        );
    }
}
