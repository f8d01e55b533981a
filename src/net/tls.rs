//! TLS like go's client: the trust store go reads (the first readable SSL_CERT_FILE or system
//! bundle, then every file of SSL_CERT_DIR or the system directories), the rustls client
//! configuration built on it, and the handshake under a deadline.

use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

use super::conn::{Conn, ErrorKind, FetchError, Phase, io_error, remaining, tls_error};
use super::env::trust_sources;
use crate::sys::ProcessEnv;

/// The trust store and the client configuration made from it.
#[derive(Debug, Clone)]
pub(super) struct Trust {
    pub config: Arc<rustls::ClientConfig>,
    /// Files and directories that contributed certificates, for display.
    pub sources: Vec<PathBuf>,
    /// Number of trusted certificates loaded.
    pub count: usize,
}

impl Trust {
    /// Load what go would trust in `env`.
    pub fn load(env: &ProcessEnv) -> Self {
        let (files, dirs) = trust_sources(env);
        let mut roots = rustls::RootCertStore::empty();
        let mut sources = Vec::new();
        // go uses the first readable file of the list, then every file in every directory.
        for file in files {
            if let Ok(data) = std::fs::read(&file) {
                if add_pem(&mut roots, &data) > 0 {
                    sources.push(file);
                }
                break;
            }
        }
        for dir in dirs {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut added = 0;
            for entry in entries.flatten() {
                if let Ok(data) = std::fs::read(entry.path()) {
                    added += add_pem(&mut roots, &data);
                }
            }
            if added > 0 {
                sources.push(dir);
            }
        }
        let count = roots.len();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| {
                b.with_root_certificates(roots.clone())
                    .with_no_client_auth()
            })
            .unwrap_or_else(|_| {
                rustls::ClientConfig::builder()
                    .with_root_certificates(roots)
                    .with_no_client_auth()
            });
        Trust {
            config: Arc::new(config),
            sources,
            count,
        }
    }
}

fn add_pem(roots: &mut rustls::RootCertStore, data: &[u8]) -> usize {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(data)
        .filter_map(Result::ok)
        .collect();
    roots.add_parsable_certificates(certs).0
}

/// The TLS handshake on `tcp`, every step bounded by `deadline`.
pub(super) fn handshake(
    tcp: TcpStream,
    config: Arc<rustls::ClientConfig>,
    name: ServerName<'static>,
    deadline: Instant,
) -> Result<Conn, FetchError> {
    let client = rustls::ClientConnection::new(config, name).map_err(|e| tls_error(&e))?;
    let mut stream = rustls::StreamOwned::new(client, tcp);
    while stream.conn.is_handshaking() {
        remaining(deadline, Phase::Tls)?;
        let conn = Conn::Plain(
            stream
                .sock
                .try_clone()
                .map_err(|e| io_error(e, Phase::Tls))?,
        );
        conn.set_timeout(deadline);
        match stream.conn.complete_io(&mut stream.sock) {
            Ok((0, 0)) if stream.conn.is_handshaking() => {
                return Err(FetchError::new(
                    ErrorKind::Reset,
                    Phase::Tls,
                    "connection closed during the TLS handshake",
                ));
            }
            Ok(_) => {}
            Err(e) => return Err(io_error(e, Phase::Tls)),
        }
    }
    Ok(Conn::Tls(Box::new(stream)))
}
