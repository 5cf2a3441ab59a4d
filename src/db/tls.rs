//! Connecting to PostgreSQL with the TLS the URL asks for (libpq's `sslmode`, see
//! [`crate::config::DatabaseTls`]), by rustls: `disable` plain; `prefer` TLS if offered and
//! `require` TLS, both accepting any certificate, as libpq does; `verify-ca` the chain
//! checked against `sslrootcert`; `verify-full` chain and host name.

use std::sync::Arc;

use diesel::ConnectionError;
use diesel_async::AsyncPgConnection;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, Error, RootCertStore, SignatureScheme,
};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::config::{DatabaseTls, RootCerts, SslMode};

/// A database server to connect to: tokio-postgres' settings, with the TLS they ask for.
#[derive(Clone)]
pub struct Database {
    pub config: tokio_postgres::Config,
    pub tls: MakeRustlsConnect,
}

impl Database {
    /// Reads `url` (a URL or `key=value` pairs; its TLS parameters were checked with the
    /// configuration) and the CA file.
    pub fn new(url: &str) -> anyhow::Result<Self> {
        let settings = DatabaseTls::parse(url).map_err(anyhow::Error::msg)?;
        let mut config: tokio_postgres::Config = settings.url.parse()?;
        config.ssl_mode(match settings.mode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                tokio_postgres::config::SslMode::Require
            }
        });
        let tls = MakeRustlsConnect::new(client_config(settings.mode, &settings.roots)?);
        Ok(Self { config, tls })
    }

    /// A new connection for diesel.
    pub async fn establish(&self) -> Result<AsyncPgConnection, ConnectionError> {
        let (client, connection) = self
            .config
            .connect(self.tls.clone())
            .await
            .map_err(|e| ConnectionError::BadConnection(reason(&e)))?;
        AsyncPgConnection::try_from_client_and_connection(client, connection).await
    }
}

/// The error with its causes ("error performing TLS handshake: invalid peer certificate:
/// …"): tokio_postgres shows only the first.
pub(super) fn reason(error: &tokio_postgres::Error) -> String {
    let mut reason = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        reason.push_str(&format!(": {inner}"));
        cause = inner.source();
    }
    reason
}

/// rustls' settings for `mode`, with the ring provider.
fn client_config(mode: SslMode, roots: &RootCerts) -> anyhow::Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let chain = match mode {
        SslMode::VerifyFull => {
            return Ok(builder
                .with_root_certificates(root_store(roots)?)
                .with_no_client_auth());
        }
        SslMode::VerifyCa => Some(
            WebPkiServerVerifier::builder_with_provider(
                Arc::new(root_store(roots)?),
                provider.clone(),
            )
            .build()?,
        ),
        SslMode::Disable | SslMode::Prefer | SslMode::Require => None,
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(LibpqVerifier { provider, chain }));
    Ok(builder.with_no_client_auth())
}

fn root_store(roots: &RootCerts) -> anyhow::Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    match roots {
        RootCerts::None => {}
        RootCerts::File(certs) => {
            for cert in certs {
                store.add(cert.clone())?;
            }
        }
        RootCerts::System => {
            let (added, _) =
                store.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            anyhow::ensure!(
                added > 0,
                "sslrootcert=system: the system has no trusted roots"
            );
        }
    }
    Ok(store)
}

/// How libpq judges the server's certificate, when rustls' own verifier (`verify-full`) is
/// not the rule: `chain` for `verify-ca`, where the chain must lead to a root of
/// `sslrootcert` but the names the certificate is for are not compared with the host
/// (rustls checks the name after the chain, so a name error means the chain was found
/// good); without `chain` (`prefer`, `require`) any certificate is taken, as libpq does.
/// Either way the handshake signatures are checked, so the server holds the certificate's
/// key.
#[derive(Debug)]
struct LibpqVerifier {
    provider: Arc<CryptoProvider>,
    chain: Option<Arc<WebPkiServerVerifier>>,
}

impl ServerCertVerifier for LibpqVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            verdict => verdict,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
