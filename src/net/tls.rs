//! TLS like go's client: the trust store go reads (the first readable SSL_CERT_FILE or system
//! bundle, then every file of SSL_CERT_DIR or the system directories), the rustls client
//! configuration built on it, and the handshake under a deadline.
//!
//! One rule of go's crypto/x509 that webpki does not share: a server certificate may say
//! CA:TRUE. A certificate that is itself in the trust store is a chain of one (a self-signed
//! certificate made with `-addext basicConstraints=CA:TRUE` and trusted through SSL_CERT_FILE,
//! common on private proxies), and a CA:TRUE certificate issued by a trusted root is as good
//! as any other. webpki refuses both as `CaUsedAsEndEntity`; `GoVerifier` accepts them when
//! webpki found nothing else wrong before that (dates), the name matches and the purposes
//! allow a server. Chains through intermediates to a CA:TRUE leaf stay refused (not seen in
//! practice; it would take a second chain builder).

use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

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
        let mut trusted_ders = Vec::new();
        let mut sources = Vec::new();
        // go uses the first readable file of the list, then every file in every directory.
        for file in files {
            if let Ok(data) = std::fs::read(&file) {
                if add_pem(&mut roots, &mut trusted_ders, &data) > 0 {
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
                    added += add_pem(&mut roots, &mut trusted_ders, &data);
                }
            }
            if added > 0 {
                sources.push(dir);
            }
        }
        let count = roots.len();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let roots = Arc::new(roots);
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap_or_else(|_| rustls::ClientConfig::builder());
        // An empty store makes webpki's builder fail; every certificate is then unknown, which
        // the plain root configuration says just as well.
        let config =
            match WebPkiServerVerifier::builder_with_provider(roots.clone(), provider).build() {
                Ok(webpki) => builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(GoVerifier {
                        webpki,
                        trusted: trusted_ders,
                    }))
                    .with_no_client_auth(),
                Err(_) => builder.with_root_certificates(roots).with_no_client_auth(),
            };
        Trust {
            config: Arc::new(config),
            sources,
            count,
        }
    }
}

/// Add the PEM certificates in `data` to `roots` (and their DER to `ders`); how many were added.
fn add_pem(
    roots: &mut rustls::RootCertStore,
    ders: &mut Vec<CertificateDer<'static>>,
    data: &[u8],
) -> usize {
    let mut added = 0;
    for cert in CertificateDer::pem_slice_iter(data).filter_map(Result::ok) {
        if roots.add(cert.clone()).is_ok() {
            ders.push(cert);
            added += 1;
        }
    }
    added
}

/// webpki's verification, plus go's chain of one (see the module comment).
#[derive(Debug)]
struct GoVerifier {
    webpki: Arc<WebPkiServerVerifier>,
    /// The trusted certificates as loaded, to recognise a leaf that is one of them.
    trusted: Vec<CertificateDer<'static>>,
}

impl GoVerifier {
    /// Whether `leaf` names a trusted root as its issuer and carries that root's signature,
    /// checked with the signature algorithms rustls verifies handshakes with.
    fn issued_by_a_trusted_root(&self, leaf: &CertificateDer<'_>) -> bool {
        let Some((tbs, algorithm, signature)) = split_signed(leaf.as_ref()) else {
            return false;
        };
        let Ok(cert) = webpki::EndEntityCert::try_from(leaf) else {
            return false;
        };
        let algorithms = rustls::crypto::aws_lc_rs::default_provider()
            .signature_verification_algorithms
            .all;
        self.trusted.iter().any(|root| {
            let Ok(issuer) = webpki::EndEntityCert::try_from(root) else {
                return false;
            };
            issuer.subject() == cert.issuer()
                && algorithms
                    .iter()
                    .filter(|a| a.signature_alg_id().as_ref() == algorithm)
                    .any(|a| issuer.verify_signature(*a, tbs, signature).is_ok())
        })
    }
}

impl ServerCertVerifier for GoVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        match verdict {
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(other)))
                if is_ca_used_as_end_entity(&other)
                    && (self
                        .trusted
                        .iter()
                        .any(|t| t.as_ref() == end_entity.as_ref())
                        || self.issued_by_a_trusted_root(end_entity)) =>
            {
                // webpki checks validity dates before basic constraints, so the dates passed;
                // the name and the purpose are what is left to check, as crypto/x509 does.
                let cert = webpki::EndEntityCert::try_from(end_entity)
                    .map_err(|_| rustls::Error::from(CertificateError::BadEncoding))?;
                cert.verify_is_valid_for_subject_name(server_name)
                    .map_err(|_| rustls::Error::from(CertificateError::NotValidForName))?;
                if !serves_tls_servers(end_entity.as_ref()) {
                    return Err(CertificateError::InvalidPurpose.into());
                }
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

fn is_ca_used_as_end_entity(e: &rustls::OtherError) -> bool {
    matches!(
        e.0.downcast_ref::<webpki::Error>(),
        Some(webpki::Error::CaUsedAsEndEntity)
    )
}

/// A certificate's three parts: the signed TBSCertificate (whole), the signature algorithm
/// (the AlgorithmIdentifier's contents) and the signature (the BIT STRING's bytes).
fn split_signed(der: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let (tag, body, rest) = tlv(der)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let (tag, _, after_tbs) = tlv(body)?;
    if tag != 0x30 {
        return None;
    }
    let tbs = &body[..body.len() - after_tbs.len()];
    let (tag, algorithm, after_alg) = tlv(after_tbs)?;
    let (bits, signature, end) = tlv(after_alg)?;
    if tag != 0x30 || bits != 0x03 || !end.is_empty() {
        return None;
    }
    // No unused bits in a signature.
    let (0, signature) = signature.split_first()? else {
        return None;
    };
    Some((tbs, algorithm, signature))
}

/// One DER tag-length-value: (tag, value, what follows). Definite lengths up to 4 bytes.
fn tlv(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// DER of the extendedKeyUsage extension's OID (2.5.29.37), of id-kp-serverAuth
/// (1.3.6.1.5.5.7.3.1) and of anyExtendedKeyUsage (2.5.29.37.0).
const EKU_OID: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x25];
const SERVER_AUTH: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
const ANY_EKU: &[u8] = &[0x06, 0x04, 0x55, 0x1d, 0x25, 0x00];

/// crypto/x509's purpose check for a root used as the leaf: no extended key usage means any
/// use; otherwise it must list server authentication (or any purpose). A byte search is enough
/// here: the certificate is already one the user trusts, byte for byte.
fn serves_tls_servers(der: &[u8]) -> bool {
    let has = |needle: &[u8]| der.windows(needle.len()).any(|w| w == needle);
    !has(EKU_OID) || has(SERVER_AUTH) || has(ANY_EKU)
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

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair};

    fn self_signed(ca: bool, eku: &[ExtendedKeyUsagePurpose]) -> CertificateDer<'static> {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        if ca {
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        }
        params.extended_key_usages = eku.to_vec();
        params.self_signed(&key).expect("cert").der().clone()
    }

    fn verifier(trusted: &[&CertificateDer<'static>]) -> GoVerifier {
        let mut roots = rustls::RootCertStore::empty();
        for t in trusted {
            roots.add((*t).clone()).expect("root");
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        GoVerifier {
            webpki: WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .expect("verifier"),
            trusted: trusted.iter().map(|t| (*t).clone()).collect(),
        }
    }

    fn verify(v: &GoVerifier, cert: &CertificateDer<'_>, name: &str) -> Result<(), rustls::Error> {
        let name = ServerName::try_from(name.to_string()).expect("name");
        v.verify_server_cert(cert, &[], &name, &[], UnixTime::now())
            .map(|_| ())
    }

    #[test]
    fn a_trusted_ca_certificate_is_a_chain_of_one_like_go() {
        let ca = self_signed(true, &[]);
        let v = verifier(&[&ca]);
        assert_eq!(verify(&v, &ca, "localhost"), Ok(()));
        assert_eq!(
            verify(&v, &ca, "other.example"),
            Err(CertificateError::NotValidForName.into())
        );
        // Listed purposes must include server authentication, as crypto/x509 requires.
        let client_only = self_signed(true, &[ExtendedKeyUsagePurpose::ClientAuth]);
        let server = self_signed(true, &[ExtendedKeyUsagePurpose::ServerAuth]);
        let v = verifier(&[&client_only, &server]);
        assert_eq!(
            verify(&v, &client_only, "localhost"),
            Err(CertificateError::InvalidPurpose.into())
        );
        assert_eq!(verify(&v, &server, "localhost"), Ok(()));
        // Not byte-equal to a trusted certificate: refused as webpki refuses it.
        let stranger = self_signed(true, &[]);
        assert!(verify(&verifier(&[&ca]), &stranger, "localhost").is_err());
    }

    #[test]
    fn a_ca_certificate_issued_by_a_trusted_root_serves_like_go() {
        let root_params = || {
            let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
            p.distinguished_name.push(rcgen::DnType::CommonName, "root");
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            p
        };
        let root_key = KeyPair::generate().expect("key");
        let root = root_params().self_signed(&root_key).expect("root");
        let issuer = rcgen::Issuer::new(root_params(), root_key);
        let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let leaf_key = KeyPair::generate().expect("key");
        let leaf = params
            .signed_by(&leaf_key, &issuer)
            .expect("leaf")
            .der()
            .clone();
        let root = root.der().clone();
        assert_eq!(verify(&verifier(&[&root]), &leaf, "localhost"), Ok(()));
        assert!(verify(&verifier(&[&root]), &leaf, "other.example").is_err());
        // A root with the same name but another key: the signature does not verify.
        let other = root_params()
            .self_signed(&KeyPair::generate().expect("key"))
            .expect("other")
            .der()
            .clone();
        assert!(verify(&verifier(&[&other]), &leaf, "localhost").is_err());
        assert!(split_signed(b"\x30\x03\x02\x01\x00").is_none());
        assert!(tlv(b"\x30\x85\x00\x00\x00\x00\x01").is_none());
    }
}
