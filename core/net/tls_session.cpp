// TlsSession: SSL_read/SSL_write over a memory BIO (input) and a BIO that appends to a string (output), with
// OpenSSL's per-thread error queue cleared around each call so that one connection's error never shows in another's.
#include "core/net/tls_session.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <climits>
#include <new>

namespace updraft {

namespace {
// A BIO whose writes append to the std::string in its data pointer.
BIO_METHOD* string_sink() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "updraft string sink");
    BIO_meth_set_write(m, [](BIO* bio, const char* data, int n) {
      static_cast<std::string*>(BIO_get_data(bio))->append(data, static_cast<std::size_t>(n));
      return n;
    });
    BIO_meth_set_ctrl(m, [](BIO*, int cmd, long, void*) -> long { return cmd == BIO_CTRL_FLUSH ? 1 : 0; });
    BIO_meth_set_create(m, [](BIO* bio) {
      BIO_set_init(bio, 1);
      return 1;
    });
    return m;
  }();
  return method;
}

std::string describe_error() {
  unsigned long code = ERR_peek_last_error();
  const char* reason = code ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return reason ? reason : "TLS protocol error";
}
}  // namespace

namespace {
BIO* new_input() {
  BIO* in = BIO_new(BIO_s_mem());
  BIO_set_mem_eof_return(in, -1);  // empty means "more to come", not the end
  return in;
}
}  // namespace

TlsSession::TlsSession(const TlsContext& context) : ssl_(SSL_new(context.native())) {
  if (!ssl_) throw std::bad_alloc();
  in_ = new_input();
  BIO* out = BIO_new(string_sink());
  BIO_set_data(out, &out_);
  SSL_set_bio(ssl_, in_, out);
  SSL_set_accept_state(ssl_);
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

void TlsSession::feed(const char* data, std::size_t n) {
  if (n == 0) return;
  saw_input_ = true;
  BIO_write(in_, data, static_cast<int>(n));
}

bool TlsSession::has_input() const { return SSL_pending(ssl_) > 0 || BIO_ctrl_pending(in_) > 0; }

TlsSession::Status TlsSession::decrypt(char* out, std::size_t room, std::size_t& n) {
  n = 0;
  ERR_clear_error();
  while (n < room) {
    int r = SSL_read(ssl_, out + n, static_cast<int>(std::min<std::size_t>(room - n, INT_MAX)));
    if (!established_ && SSL_is_init_finished(ssl_)) {
      established_ = true;
      TlsContext::count_handshake();
    }
    if (r > 0) {
      n += static_cast<std::size_t>(r);
      continue;
    }
    switch (SSL_get_error(ssl_, r)) {
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE:  // the output BIO never refuses: only after what was read
        return Status::ok;
      case SSL_ERROR_ZERO_RETURN:
        return Status::closed;
      default:
        reason_ = describe_error();
        return Status::failed;
    }
  }
  return Status::ok;
}

std::size_t TlsSession::encrypt(const char* data, std::size_t n) {
  if (!established_ || n == 0) return 0;
  ERR_clear_error();
  int r = SSL_write(ssl_, data, static_cast<int>(std::min<std::size_t>(n, INT_MAX)));
  if (r > 0) return static_cast<std::size_t>(r);
  reason_ = describe_error();
  return 0;
}

void TlsSession::close_notify() {
  if (!established_) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

void TlsSession::release_buffers() {
  if (out_.empty()) std::string().swap(out_);
  if (BIO_ctrl_pending(in_) == 0) {
    in_ = new_input();  // a memory BIO keeps its largest size: a fresh one holds nothing
    SSL_set0_rbio(ssl_, in_);
  }
}

void TlsSession::output_sent(std::size_t n) {
  out_sent_ += n;
  if (out_sent_ < out_.size()) return;
  out_sent_ = 0;
  out_.clear();
  if (out_.capacity() > 16 * 1024) std::string().swap(out_);  // a large response's room is not kept while idle
}

}  // namespace updraft
