//! `DATABASE_URL` and `DATABASE_READ_URL`, with libpq's TLS parameters: `sslmode` and
//! `sslrootcert`. tokio-postgres knows only `disable`, `prefer` and `require` (and checks no
//! certificate), so both parameters are taken out of the URL here; the rest of it stays as
//! written (several hosts, `target_session_attrs`) and goes to tokio-postgres.

use std::path::PathBuf;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

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

/// Whether `connection` is in the URL form (else: libpq's `key=value` pairs).
pub(super) fn is_url(connection: &str) -> bool {
    connection.starts_with("postgres://") || connection.starts_with("postgresql://")
}

/// The values of `sslmode` and `sslrootcert`, and the connection string without them.
#[derive(Debug, Default, PartialEq)]
struct Split {
    sslmode: Option<String>,
    sslrootcert: Option<String>,
    rest: String,
}

impl DatabaseTls {
    /// Takes `sslmode` and `sslrootcert` out of `connection` (a URL or `key=value` pairs)
    /// and reads the CA file, with libpq's rules: `require` with a `sslrootcert` checks the
    /// chain like `verify-ca`; the `verify-` modes need a `sslrootcert`; `system` only with
    /// `verify-full`.
    pub fn parse(connection: &str) -> Result<Self, String> {
        let split = match is_url(connection) {
            true => split_url(connection)?,
            false => split_pairs(connection)?,
        };
        let roots = match split.sslrootcert.as_deref() {
            None => RootCerts::None,
            Some("system") => RootCerts::System,
            Some(path) => RootCerts::File(ca_file(path)?),
        };
        let mode = split.sslmode.as_deref().map(ssl_mode).transpose()?;
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
        Ok(Self {
            mode,
            roots,
            url: split.rest,
        })
    }
}

/// The URL form: the parameters are percent-encoded in the query; the others stay as
/// written.
fn split_url(url: &str) -> Result<Split, String> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut split = Split::default();
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
            "sslmode" => split.sslmode = Some(decoded()?),
            "sslrootcert" => split.sslrootcert = Some(decoded()?),
            _ => kept.push(pair),
        }
    }
    split.rest = match kept.is_empty() {
        true => base.to_string(),
        false => format!("{base}?{}", kept.join("&")),
    };
    Ok(split)
}

/// libpq's `key=value` form (`host=db sslrootcert='/etc/a b/ca.pem'`): the other pairs
/// stay as written.
fn split_pairs(connection: &str) -> Result<Split, String> {
    let mut split = Split::default();
    let mut kept = Vec::new();
    let mut rest = connection.trim_start();
    while !rest.is_empty() {
        // The text itself is not shown: it may hold a password.
        let not_a_pair = || "is neither a URL nor key=value pairs".to_string();
        let (key, after) = rest.split_once('=').ok_or_else(not_a_pair)?;
        let key = key.trim_end();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Err(not_a_pair());
        }
        let after = after.trim_start();
        let (value, length) = pair_value(after)?;
        let written = &rest[..rest.len() - after.len() + length];
        match key {
            "sslmode" => split.sslmode = Some(value),
            "sslrootcert" => split.sslrootcert = Some(value),
            _ => kept.push(written),
        }
        rest = rest[written.len()..].trim_start();
    }
    split.rest = kept.join(" ");
    Ok(split)
}

/// The value at the start of `text` (quoted `'…'`, or up to the next blank; `\` escapes
/// the next character) and how many bytes of `text` it takes.
fn pair_value(text: &str) -> Result<(String, usize), String> {
    let quoted = text.starts_with('\'');
    let mut value = String::new();
    let mut chars = text.char_indices().skip(usize::from(quoted));
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => value.extend(chars.next().map(|(_, escaped)| escaped)),
            '\'' if quoted => return Ok((value, at + 1)),
            c if !quoted && c.is_whitespace() => return Ok((value, at)),
            c => value.push(c),
        }
    }
    match quoted {
        true => Err("has a quoted value that is not closed".into()),
        false => Ok((value, text.len())),
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
        let tls = DatabaseTls::parse(
            "postgres://app@db-a:5433,db-b/b?sslmode=require&target_session_attrs=read-write",
        )
        .unwrap();
        assert_eq!(tls.mode, SslMode::Require);
        assert_eq!(
            tls.url,
            "postgres://app@db-a:5433,db-b/b?target_session_attrs=read-write"
        );
        let plain = DatabaseTls::parse("postgres://app@db/b").unwrap();
        assert_eq!(plain.mode, SslMode::Prefer);
        assert_eq!(plain.url, "postgres://app@db/b");
    }

    #[test]
    fn key_value_pairs_keep_all_but_the_tls_parameters_as_written() {
        let tls = DatabaseTls::parse(
            "host=db-a,db-b  sslmode = 'require' password='a b\\'c' target_session_attrs=read-write",
        )
        .unwrap();
        assert_eq!(tls.mode, SslMode::Require);
        assert_eq!(
            tls.url,
            "host=db-a,db-b password='a b\\'c' target_session_attrs=read-write"
        );
        let error = DatabaseTls::parse("host=db sslmode=verify-ca sslrootcert='/no where/ca.pem'")
            .unwrap_err();
        assert!(
            error.contains("sslrootcert /no where/ca.pem cannot be read"),
            "{error}"
        );
        assert!(DatabaseTls::parse("host=db dbname").is_err());
        assert!(DatabaseTls::parse("host='db").is_err());
    }

    #[test]
    fn wrong_tls_parameters_are_named() {
        let error = |url| DatabaseTls::parse(url).unwrap_err();
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
