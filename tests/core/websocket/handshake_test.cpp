// Unit tests for the WebSocket opening handshake: RFC 6455's example key, and each malformed handshake's status.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "core/websocket/handshake.hpp"

using updraft::RequestHead;
using updraft::websocket::accept_key;
using updraft::websocket::check_handshake;
using updraft::websocket::has_token;

namespace {
using Fields = std::vector<std::pair<std::string, std::string>>;

const Fields kValid = {{"Host", "h"},
                       {"Upgrade", "websocket"},
                       {"Connection", "Upgrade"},
                       {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                       {"Sec-WebSocket-Version", "13"}};

RequestHead head_with(const Fields& fields, std::string_view method = "GET", int minor = 1) {
  RequestHead head;
  head.method = method;
  head.version_minor = minor;
  head.target = "/ws";
  for (const auto& [name, value] : fields) head.headers.add(name, value);
  return head;
}

// kValid with one field replaced (an empty value removes it).
Fields with(std::string_view name, std::string_view value) {
  Fields out;
  for (const auto& field : kValid)
    if (field.first != name) out.push_back(field);
  if (!value.empty()) out.emplace_back(name, value);
  return out;
}
}  // namespace

TEST_CASE("Sec-WebSocket-Accept is RFC 6455's example", "[websocket][handshake]") {
  CHECK(accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST_CASE("a valid handshake is accepted with its key's answer and offered subprotocols", "[websocket][handshake]") {
  Fields fields = kValid;
  fields.emplace_back("Sec-WebSocket-Protocol", "chat, superchat");
  fields.emplace_back("Sec-WebSocket-Protocol", " v2 ");
  fields[1].second = "WebSocket";              // tokens are case-insensitive
  fields[2].second = "keep-alive, Upgrade";    // and may be one of a list (Firefox)
  auto h = check_handshake(head_with(fields));
  CHECK(h.status == 0);
  CHECK(h.error.empty());
  CHECK(h.accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  CHECK(h.protocols == std::vector<std::string>{"chat", "superchat", "v2"});
}

TEST_CASE("a malformed handshake is refused with 400, another version with 426", "[websocket][handshake]") {
  struct Case {
    const char* what;
    RequestHead head;
    int status;
  };
  std::vector<Case> cases;
  cases.push_back({"POST", head_with(kValid, "POST"), 400});
  cases.push_back({"HTTP/1.0", head_with(kValid, "GET", 0), 400});
  cases.push_back({"no Upgrade", head_with(with("Upgrade", "")), 400});
  cases.push_back({"Upgrade: h2c", head_with(with("Upgrade", "h2c")), 400});
  cases.push_back({"no Connection", head_with(with("Connection", "")), 400});
  cases.push_back({"Connection: keep-alive", head_with(with("Connection", "keep-alive")), 400});
  cases.push_back({"no key", head_with(with("Sec-WebSocket-Key", "")), 400});
  cases.push_back({"a key of 15 bytes", head_with(with("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25j")), 400});
  cases.push_back({"a key with a bad character", head_with(with("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub2*jZQ==")), 400});
  cases.push_back({"a key whose last bits are not zero", head_with(with("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZR==")), 400});
  Fields two_keys = kValid;
  two_keys.emplace_back("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA==");
  cases.push_back({"two keys", head_with(two_keys), 400});
  cases.push_back({"no version", head_with(with("Sec-WebSocket-Version", "")), 426});
  cases.push_back({"version 8", head_with(with("Sec-WebSocket-Version", "8")), 426});
  for (const auto& c : cases) {
    INFO(c.what);
    auto h = check_handshake(c.head);
    CHECK(h.status == c.status);
    CHECK_FALSE(h.error.empty());
    CHECK(h.accept.empty());
  }
}

TEST_CASE("has_token finds a token in a list, not a part of one", "[websocket][handshake]") {
  CHECK(has_token("Upgrade", "upgrade"));
  CHECK(has_token("keep-alive,  UPGRADE ", "upgrade"));
  CHECK_FALSE(has_token("upgrades", "upgrade"));
  CHECK_FALSE(has_token("", "upgrade"));
  CHECK_FALSE(has_token(" , ,", "upgrade"));
}
