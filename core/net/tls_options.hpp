// TlsOptions: what makes a listener speak TLS, named after gunicorn's flags (--certfile, --keyfile, --ca-certs,
// --ciphers, --cert-reqs).
#pragma once

#include <chrono>
#include <string>

namespace updraft {

struct TlsOptions {
  std::string certfile;  // PEM certificate chain; empty: plain TCP
  std::string keyfile;   // PEM private key; empty: it is in certfile
  std::string ca_certs;  // PEM CA certificates that client certificates are checked against
  std::string ciphers;   // OpenSSL cipher list for TLS 1.2; empty: OpenSSL's default
  int cert_reqs = 0;     // client certificates: 0 not asked for, 1 checked if sent, 2 required (Python's ssl.CERT_*)
  std::chrono::duration<double> handshake_timeout{20};  // from accept to a completed handshake

  bool enabled() const { return !certfile.empty(); }
};

}  // namespace updraft
