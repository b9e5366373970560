// Unit tests for apply_proxy_headers(): the hop walk, the precedence of X-Forwarded-* over Forwarded, and malformed
// values leaving the head as it was.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "core/http/proxy_headers.hpp"

using updraft::apply_proxy_headers;
using updraft::RequestHead;
using updraft::TrustedProxies;

namespace {
const TrustedProxies kTrusted("127.0.0.1,10.0.0.0/8,fd00::/8");

// What a request from the trusted peer 127.0.0.1:5000 with these fields becomes: "ip port protocol host".
std::string applied(const std::vector<std::pair<std::string, std::string>>& fields) {
  RequestHead head;
  head.remote_ip = "127.0.0.1";
  head.remote_port = 5000;
  head.headers.add("Host", "internal:8000");
  for (const auto& [name, value] : fields) head.headers.add(name, value);
  apply_proxy_headers(head, kTrusted);
  return head.remote_ip + " " + std::to_string(head.remote_port) + " " + std::string(head.protocol) + " " +
         std::string(*head.headers.get("host"));
}
}  // namespace

TEST_CASE("without forwarding headers the head keeps the peer") {
  CHECK(applied({}) == "127.0.0.1 5000 http internal:8000");
}

TEST_CASE("X-Forwarded-For: the right-most address that is not a trusted proxy") {
  CHECK(applied({{"X-Forwarded-For", "203.0.113.9"}}) == "203.0.113.9 0 http internal:8000");
  CHECK(applied({{"X-Forwarded-For", "198.51.100.1, 203.0.113.9, 10.0.0.2"}}) == "203.0.113.9 0 http internal:8000");
  CHECK(applied({{"X-Forwarded-For", "198.51.100.1"}, {"X-Forwarded-For", "10.0.0.2,10.0.0.3"}}) ==
        "198.51.100.1 0 http internal:8000");  // several fields make one list
  CHECK(applied({{"X-Forwarded-For", "10.0.0.1, 10.0.0.2"}}) == "10.0.0.1 0 http internal:8000");  // all trusted
  CHECK(applied({{"X-Forwarded-For", "[2001:db8::1]:4711"}}) == "2001:db8::1 4711 http internal:8000");
  CHECK(applied({{"X-Forwarded-For", "::ffff:10.0.0.5, 2001:DB8::2"}}) == "2001:db8::2 0 http internal:8000");
}

TEST_CASE("X-Forwarded-For: an entry that names no address where the walk stops leaves the peer") {
  CHECK(applied({{"X-Forwarded-For", "203.0.113.9, evil"}}) == "127.0.0.1 5000 http internal:8000");
  CHECK(applied({{"X-Forwarded-For", "203.0.113.9, unknown, 10.0.0.2"}}) == "127.0.0.1 5000 http internal:8000");
  CHECK(applied({{"X-Forwarded-For", " , "}}) == "127.0.0.1 5000 http internal:8000");
  CHECK(applied({{"X-Forwarded-For", "evil, 203.0.113.9"}}) == "203.0.113.9 0 http internal:8000");
}

TEST_CASE("X-Forwarded-Proto and X-Forwarded-Host: their last entry, when it is a scheme or a host") {
  CHECK(applied({{"X-Forwarded-Proto", "https"}}) == "127.0.0.1 5000 https internal:8000");
  CHECK(applied({{"X-Forwarded-Proto", "http, HTTPS"}}) == "127.0.0.1 5000 https internal:8000");
  CHECK(applied({{"X-Forwarded-Proto", "https, ftp"}}) == "127.0.0.1 5000 http internal:8000");
  CHECK(applied({{"X-Forwarded-Host", "example.com"}}) == "127.0.0.1 5000 http example.com");
  CHECK(applied({{"X-Forwarded-Host", "a.example, b.example:8443"}}) == "127.0.0.1 5000 http b.example:8443");
  CHECK(applied({{"X-Forwarded-Host", "evil.example/path"}}) == "127.0.0.1 5000 http internal:8000");
  CHECK(applied({{"X-Forwarded-For", "203.0.113.9"}, {"X-Forwarded-Proto", "https"},
                 {"X-Forwarded-Host", "example.com"}}) == "203.0.113.9 0 https example.com");
}

TEST_CASE("Forwarded: the right-most element whose for= is not a trusted proxy, with its proto and host") {
  CHECK(applied({{"Forwarded", R"(for="[2001:db8::7]:4711";proto=https;host=example.com)"}}) ==
        "2001:db8::7 4711 https example.com");
  CHECK(applied({{"Forwarded", "for=198.51.100.1;proto=http, for=203.0.113.9;proto=https;host=a.example, "
                               "for=10.0.0.2;proto=http;host=internal"}}) == "203.0.113.9 0 https a.example");
  CHECK(applied({{"Forwarded", "for=_hidden;proto=https"}}) == "127.0.0.1 5000 https internal:8000");
  CHECK(applied({{"Forwarded", "proto=https;host=example.com"}}) == "127.0.0.1 5000 https example.com");
  CHECK(applied({{"Forwarded", "for=10.0.0.1, for=10.0.0.2"}}) == "10.0.0.1 0 http internal:8000");
  CHECK(applied({{"Forwarded", "for=203.0.113.9"}, {"Forwarded", "for=10.0.0.2"}}) ==
        "203.0.113.9 0 http internal:8000");
}

TEST_CASE("Forwarded: a malformed field is ignored whole") {
  CHECK(applied({{"Forwarded", "for=203.0.113.9;proto=https;for=198.51.100.1"}}) ==
        "127.0.0.1 5000 http internal:8000");
  CHECK(applied({{"Forwarded", "for=203.0.113.9, proto=https host=x"}}) == "127.0.0.1 5000 http internal:8000");
}

TEST_CASE("X-Forwarded-* take precedence: with any of them present, Forwarded is not read") {
  CHECK(applied({{"Forwarded", "for=198.51.100.66;proto=https;host=evil.example"},
                 {"X-Forwarded-For", "203.0.113.9"}}) == "203.0.113.9 0 http internal:8000");
  CHECK(applied({{"Forwarded", "for=198.51.100.66"}, {"X-Forwarded-Proto", "https"}}) ==
        "127.0.0.1 5000 https internal:8000");
  CHECK(applied({{"Forwarded", "for=198.51.100.66"}, {"X-Forwarded-For", "garbage"}}) ==
        "127.0.0.1 5000 http internal:8000");
}
