// Unit tests for TlsContext and TlsSession: bad files refused with one line naming the flag, and a session driven in
// memory against an OpenSSL client: the handshake (ALPN http/1.1), data both ways, records left over when the buffer
// fills, buffers given back while idle, close_notify, plain HTTP and TLS 1.1 refused.
#include <catch2/catch.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/net/tls_context.hpp"
#include "core/net/tls_session.hpp"

using namespace updraft;
namespace fs = std::filesystem;

namespace {

// A self-signed EC certificate and its key, made once with the openssl command.
struct Files {
  fs::path dir = fs::temp_directory_path() / ("updraft-tls-unit-" + std::to_string(::getpid()));
  std::string cert = (dir / "cert.pem").string();
  std::string key = (dir / "key.pem").string();
  std::string other_key = (dir / "other.pem").string();
  Files() {
    fs::create_directories(dir);
    std::string make = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=localhost "
                       "-days 1 -keyout " + key + " -out " + cert + " 2>/dev/null && openssl genpkey -algorithm EC "
                       "-pkeyopt ec_paramgen_curve:prime256v1 -out " + other_key + " 2>/dev/null";
    REQUIRE(std::system(make.c_str()) == 0);
  }
  ~Files() { fs::remove_all(dir); }
};

const Files& files() {
  static Files f;
  return f;
}

TlsOptions options() {
  TlsOptions o;
  o.certfile = files().cert;
  o.keyfile = files().key;
  return o;
}

std::string load_error(const TlsOptions& o) {
  try {
    TlsContext::load(o);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

// An OpenSSL client talking to a TlsSession through two strings.
struct Conversation {
  std::shared_ptr<const TlsContext> context = TlsContext::load(options());
  TlsSession server{*context};
  SSL_CTX* client_ctx = SSL_CTX_new(TLS_client_method());
  SSL* client = nullptr;
  BIO* to_server = nullptr;    // what the client writes
  BIO* from_server = nullptr;  // what the client reads

  explicit Conversation(int max_version = 0) {
    if (max_version) {
      SSL_CTX_set_security_level(client_ctx, 0);
      SSL_CTX_set_min_proto_version(client_ctx, max_version);
      SSL_CTX_set_max_proto_version(client_ctx, max_version);
      SSL_CTX_set_cipher_list(client_ctx, "DEFAULT:@SECLEVEL=0");
    }
    static const unsigned char alpn[] = {2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(client_ctx, alpn, sizeof alpn);
    client = SSL_new(client_ctx);
    to_server = BIO_new(BIO_s_mem());
    from_server = BIO_new(BIO_s_mem());
    SSL_set_bio(client, from_server, to_server);
    SSL_set_connect_state(client);
  }
  ~Conversation() {
    SSL_free(client);
    SSL_CTX_free(client_ctx);
    ERR_clear_error();
  }

  // Moves the client's bytes to the server and the server's back; returns what the server decrypted.
  TlsSession::Status exchange(std::string& plain, std::size_t room = 1 << 16) {
    char buffer[4096];
    int n;
    while ((n = BIO_read(to_server, buffer, sizeof buffer)) > 0) server.feed(buffer, static_cast<std::size_t>(n));
    std::string out(room, '\0');
    std::size_t got = 0;
    TlsSession::Status status = server.decrypt(out.data(), out.size(), got);
    plain.append(out.data(), got);
    std::string_view reply = server.output();
    BIO_write(from_server, reply.data(), static_cast<int>(reply.size()));
    server.output_sent(reply.size());
    return status;
  }

  bool handshake() {
    std::string plain;
    for (int round = 0; round < 4; ++round) {
      if (SSL_do_handshake(client) == 1 && server.established()) return true;
      if (exchange(plain) != TlsSession::Status::ok) return false;
    }
    return false;
  }

  std::string client_reads() {
    std::string got;
    char buffer[4096];
    int n;
    while ((n = SSL_read(client, buffer, sizeof buffer)) > 0) got.append(buffer, static_cast<std::size_t>(n));
    return got;
  }
};

}  // namespace

TEST_CASE("a TLS context loads a certificate and its key", "[tls]") {
  REQUIRE(load_error(options()).empty());
  TlsOptions key_in_certfile = options();
  key_in_certfile.keyfile.clear();
  REQUIRE_THAT(load_error(key_in_certfile), Catch::Contains("--certfile") && Catch::Contains("private key"));
}

TEST_CASE("bad TLS files are refused with one line naming the flag and the file", "[tls]") {
  TlsOptions missing = options();
  missing.certfile = "/nonexistent/cert.pem";
  std::string e = load_error(missing);
  REQUIRE_THAT(e, Catch::StartsWith("--certfile /nonexistent/cert.pem: cannot load the certificate"));
  REQUIRE(e.find('\n') == std::string::npos);

  TlsOptions wrong_key = options();
  wrong_key.keyfile = files().other_key;
  REQUIRE_THAT(load_error(wrong_key), Catch::StartsWith("--keyfile " + files().other_key));

  TlsOptions ciphers = options();
  ciphers.ciphers = "NO-SUCH-CIPHER";
  REQUIRE_THAT(load_error(ciphers), Catch::StartsWith("--ciphers NO-SUCH-CIPHER"));

  TlsOptions ca = options();
  ca.ca_certs = "/nonexistent/ca.pem";
  REQUIRE_THAT(load_error(ca), Catch::StartsWith("--ca-certs /nonexistent/ca.pem"));
}

TEST_CASE("a TLS session completes a handshake with ALPN http/1.1 and carries data both ways", "[tls]") {
  Conversation c;
  REQUIRE(c.handshake());
  const unsigned char* alpn = nullptr;
  unsigned alpn_len = 0;
  SSL_get0_alpn_selected(c.client, &alpn, &alpn_len);
  REQUIRE(std::string(reinterpret_cast<const char*>(alpn), alpn_len) == "http/1.1");

  std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(SSL_write(c.client, request.data(), static_cast<int>(request.size())) > 0);
  std::string plain;
  REQUIRE(c.exchange(plain) == TlsSession::Status::ok);
  REQUIRE(plain == request);

  std::string response(100000, 'r');  // several records
  REQUIRE(c.server.encrypt(response.data(), response.size()) == response.size());
  std::string_view cipher = c.server.output();
  REQUIRE(cipher.size() > response.size());
  BIO_write(c.from_server, cipher.data(), static_cast<int>(cipher.size()));
  c.server.output_sent(cipher.size());
  REQUIRE(c.server.output().empty());
  REQUIRE(c.client_reads() == response);
}

TEST_CASE("TLS records left over when the plaintext buffer fills are decrypted next", "[tls]") {
  Conversation c;
  REQUIRE(c.handshake());
  std::string message(40000, 'm');
  REQUIRE(SSL_write(c.client, message.data(), static_cast<int>(message.size())) > 0);
  std::string plain;
  REQUIRE(c.exchange(plain, 1000) == TlsSession::Status::ok);
  REQUIRE(plain.size() == 1000);
  REQUIRE(c.server.has_input());
  while (c.server.has_input()) REQUIRE(c.exchange(plain, 7000) == TlsSession::Status::ok);
  REQUIRE(plain == message);
}

TEST_CASE("an idle TLS session gives back its buffers and goes on", "[tls]") {
  Conversation c;
  REQUIRE(c.handshake());
  std::string plain;
  REQUIRE(SSL_write(c.client, "one", 3) == 3);
  REQUIRE(c.exchange(plain) == TlsSession::Status::ok);
  c.server.release_buffers();
  REQUIRE(SSL_write(c.client, "two", 3) == 3);
  REQUIRE(c.exchange(plain) == TlsSession::Status::ok);
  REQUIRE(plain == "onetwo");
  REQUIRE(c.server.encrypt("back", 4) == 4);
  std::string_view cipher = c.server.output();
  BIO_write(c.from_server, cipher.data(), static_cast<int>(cipher.size()));
  c.server.output_sent(cipher.size());
  REQUIRE(c.client_reads() == "back");
}

TEST_CASE("a TLS close_notify from the client ends the session as closed", "[tls]") {
  Conversation c;
  REQUIRE(c.handshake());
  SSL_shutdown(c.client);
  std::string plain;
  REQUIRE(c.exchange(plain) == TlsSession::Status::closed);
}

TEST_CASE("plain HTTP and TLS 1.1 fail the handshake", "[tls]") {
  {
    Conversation c;
    std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    c.server.feed(http.data(), http.size());
    char out[256];
    std::size_t n = 0;
    REQUIRE(c.server.decrypt(out, sizeof out, n) == TlsSession::Status::failed);
    REQUIRE_FALSE(c.server.reason().empty());
    REQUIRE(c.server.saw_input());
    REQUIRE_FALSE(c.server.established());
  }
  {
    Conversation c(TLS1_1_VERSION);
    SSL_do_handshake(c.client);
    std::string plain;
    REQUIRE(c.exchange(plain) == TlsSession::Status::failed);
    REQUIRE_FALSE(c.server.established());
  }
}

TEST_CASE("nothing is encrypted before the TLS handshake completes", "[tls]") {
  Conversation c;
  REQUIRE(c.server.encrypt("early", 5) == 0);
  REQUIRE(c.server.output().empty());
}
