// TlsContext: the certificate, key and client-certificate policy a TLS listener serves with (an OpenSSL SSL_CTX:
// TLS 1.2 and 1.3 only, ALPN http/1.1), loaded from TlsOptions' files; the handshake counters shown in /metrics.
#pragma once

#include <chrono>
#include <memory>

#include "core/net/tls_options.hpp"

struct ssl_ctx_st;

namespace updraft {

class TlsContext {
 public:
  // Reads the files now; throws std::runtime_error with a one-line reason naming the flag and the file.
  static std::shared_ptr<const TlsContext> load(const TlsOptions& options);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  ssl_ctx_st* native() const { return ctx_; }
  std::chrono::duration<double> handshake_timeout() const { return handshake_timeout_; }

  // Process-wide counts, in /metrics as updraft_tls_handshakes_total and updraft_tls_handshake_failures_total.
  static void count_handshake();
  static void count_handshake_failure();

 private:
  TlsContext(ssl_ctx_st* ctx, std::chrono::duration<double> timeout) : ctx_(ctx), handshake_timeout_(timeout) {}
  ssl_ctx_st* ctx_;
  std::chrono::duration<double> handshake_timeout_;
};

}  // namespace updraft
