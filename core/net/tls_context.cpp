// TlsContext: an SSL_CTX set up from gunicorn's TLS flags, with each failure turned into one line, and the
// handshake counters registered in Metrics.
#include "core/net/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>

#include "core/net/metrics.hpp"

namespace updraft {

namespace {
struct HandshakeCounts {
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint64_t> failed{0};
};

HandshakeCounts& counts() {
  static HandshakeCounts c;
  static std::once_flag registered;
  std::call_once(registered, [] {
    Metrics::instance().add_sampler("updraft_tls_handshakes_total", "TLS handshakes completed.", "counter",
                                    [] { return static_cast<double>(c.done.load(std::memory_order_relaxed)); });
    Metrics::instance().add_sampler(
        "updraft_tls_handshake_failures_total",
        "TLS connections closed before their handshake completed: a bad or plain-HTTP handshake, or a timeout.",
        "counter", [] { return static_cast<double>(c.failed.load(std::memory_order_relaxed)); });
  });
  return c;
}

// OpenSSL's reason for the last failure on this thread (its queue emptied), or `fallback`.
std::string last_error(const char* fallback) {
  unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (!code) return fallback;
  const char* reason = ERR_reason_error_string(code);
  return reason ? reason : fallback;
}

[[noreturn]] void fail(const char* flag, const std::string& file, const std::string& what) {
  throw std::runtime_error(std::string(flag) + " " + file + ": " + what);
}

// ALPN: http/1.1 when the client offers it; otherwise the handshake goes on without ALPN (as nginx does).
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in, unsigned in_len,
                void*) {
  static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_len, kHttp11, sizeof kHttp11, in, in_len) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

struct CtxOwner {
  SSL_CTX* ctx;
  ~CtxOwner() { SSL_CTX_free(ctx); }
};
}  // namespace

std::shared_ptr<const TlsContext> TlsContext::load(const TlsOptions& o) {
  counts();  // the counters show in /metrics from the start, at 0
  ERR_clear_error();
  CtxOwner owner{SSL_CTX_new(TLS_server_method())};
  SSL_CTX* ctx = owner.ctx;
  if (!ctx) throw std::runtime_error("TLS: " + last_error("cannot make an SSL context"));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);  // an idle connection gives its record buffers back
  if (SSL_CTX_use_certificate_chain_file(ctx, o.certfile.c_str()) != 1)
    fail("--certfile", o.certfile, "cannot load the certificate: " + last_error("not a PEM certificate"));
  const std::string& keyfile = o.keyfile.empty() ? o.certfile : o.keyfile;
  const char* key_flag = o.keyfile.empty() ? "--certfile" : "--keyfile";
  if (SSL_CTX_use_PrivateKey_file(ctx, keyfile.c_str(), SSL_FILETYPE_PEM) != 1)
    fail(key_flag, keyfile, "cannot load the private key: " + last_error("not a PEM private key"));
  if (SSL_CTX_check_private_key(ctx) != 1)
    fail(key_flag, keyfile, "the private key does not match the certificate in " + o.certfile);
  if (!o.ciphers.empty() && SSL_CTX_set_cipher_list(ctx, o.ciphers.c_str()) != 1)
    fail("--ciphers", o.ciphers, last_error("no usable cipher in the list"));
  if (!o.ca_certs.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, o.ca_certs.c_str(), nullptr) != 1)
      fail("--ca-certs", o.ca_certs, "cannot load the CA certificates: " + last_error("not PEM certificates"));
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.ca_certs.c_str()))
      SSL_CTX_set_client_CA_list(ctx, names);  // named to clients asked for a certificate
  } else if (o.cert_reqs > 0) {
    SSL_CTX_set_default_verify_paths(ctx);
  }
  if (o.cert_reqs < 0 || o.cert_reqs > 2)
    fail("--cert-reqs", std::to_string(o.cert_reqs), "must be 0 (none), 1 (optional) or 2 (required)");
  int verify = o.cert_reqs == 0   ? SSL_VERIFY_NONE
               : o.cert_reqs == 1 ? SSL_VERIFY_PEER
                                  : SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(ctx, verify, nullptr);
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);
  static const unsigned char kSessionContext[] = "updraft";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof kSessionContext - 1);
  owner.ctx = nullptr;
  return std::shared_ptr<const TlsContext>(new TlsContext(ctx, o.handshake_timeout));
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

void TlsContext::count_handshake() { counts().done.fetch_add(1, std::memory_order_relaxed); }
void TlsContext::count_handshake_failure() { counts().failed.fetch_add(1, std::memory_order_relaxed); }

}  // namespace updraft
