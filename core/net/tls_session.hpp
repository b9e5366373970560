// TlsSession: one connection's TLS state as a byte transformer: the stream feeds it the ciphertext it reads and
// takes back plaintext, hands it plaintext to send and takes back the ciphertext to write (OpenSSL with a memory
// BIO in and a string out, so the stream keeps doing all socket I/O itself).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/net/tls_context.hpp"

struct ssl_st;
struct bio_st;

namespace updraft {

class TlsSession {
 public:
  explicit TlsSession(const TlsContext& context);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Ciphertext the peer sent.
  void feed(const char* data, std::size_t n);
  // Whether decrypt() can make progress without more ciphertext (a record left over when the buffer filled).
  bool has_input() const;

  enum class Status : unsigned char { ok, closed, failed };
  // Drives the handshake and decrypts what it can into [out, out + room), setting n to the bytes written; closed:
  // the peer sent close_notify; failed: a protocol error (reason()).
  Status decrypt(char* out, std::size_t room, std::size_t& n);
  // Encrypts all of data into output() (once established); 0 if the session cannot send.
  std::size_t encrypt(const char* data, std::size_t n);
  // Queues close_notify in output().
  void close_notify();

  // Ciphertext waiting to be written to the socket.
  std::string_view output() const { return std::string_view(out_).substr(out_sent_); }
  void output_sent(std::size_t n);
  // For an idle connection: gives back the room the input and the output took (while nothing waits in them).
  void release_buffers();

  std::chrono::steady_clock::time_point handshake_deadline;

  bool established() const { return established_; }
  bool saw_input() const { return saw_input_; }
  const std::string& reason() const { return reason_; }

 private:
  ssl_st* ssl_;
  bio_st* in_;  // a memory BIO of ciphertext not yet taken by OpenSSL
  std::string out_;
  std::size_t out_sent_ = 0;
  std::string reason_;
  bool established_ = false;
  bool saw_input_ = false;
};

}  // namespace updraft
