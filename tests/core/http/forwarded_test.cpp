// Unit tests for the Forwarded (RFC 7239) and X-Forwarded-* value readers: well-formed values, and malformed ones
// refused rather than half-read.
#include <catch2/catch.hpp>

#include <string>

#include "core/http/forwarded.hpp"

using updraft::forwarded_proto;
using updraft::ForwardedNode;
using updraft::is_valid_host;
using updraft::parse_forwarded;
using updraft::parse_forwarded_node;
using updraft::parse_x_forwarded_for_entry;
using updraft::split_list;

namespace {
std::string describe(const std::optional<ForwardedNode>& node) {
  if (!node) return "malformed";
  std::string out = node->address ? node->address->to_string() : "hidden";
  return node->port ? out + " port " + std::to_string(node->port) : out;
}
}  // namespace

TEST_CASE("Forwarded: elements in order with for, proto and host, quoted or not") {
  auto elements = parse_forwarded(R"(for=192.0.2.60;proto=http;by=203.0.113.43, )"
                                  R"(For="[2001:db8:cafe::17]:4711" ; PROTO=HTTPS;host="example.com:8443",)"
                                  R"(for=unknown)");
  REQUIRE(elements);
  REQUIRE(elements->size() == 3);
  CHECK(describe((*elements)[0].client) == "192.0.2.60");
  CHECK((*elements)[0].proto == "http");
  CHECK((*elements)[0].host.empty());
  CHECK(describe((*elements)[1].client) == "2001:db8:cafe::17 port 4711");
  CHECK((*elements)[1].proto == "https");
  CHECK((*elements)[1].host == "example.com:8443");
  CHECK(describe((*elements)[2].client) == "hidden");
}

TEST_CASE("Forwarded: quoted pairs are undone, empty elements and pairs skipped, unknown parameters ignored") {
  auto elements = parse_forwarded(R"(, ;for="192.0.2.\61";;ext="a,b;c" ,,  host=a.example ,)");
  REQUIRE(elements);
  REQUIRE(elements->size() == 2);
  CHECK(describe((*elements)[0].client) == "192.0.2.61");  // \6 is a quoted '6'
  CHECK(describe((*elements)[1].client) == "malformed");  // no for=
  CHECK((*elements)[1].host == "a.example");
  CHECK(parse_forwarded("")->empty());
}

TEST_CASE("Forwarded: values that are not what they name are dropped, the element kept") {
  auto elements = parse_forwarded(R"(for=evil;proto=gopher;host="a b", for="192.0.2.1:99999")");
  REQUIRE(elements);
  REQUIRE(elements->size() == 2);
  CHECK_FALSE((*elements)[0].client);
  CHECK((*elements)[0].proto.empty());
  CHECK((*elements)[0].host.empty());
  CHECK_FALSE((*elements)[1].client);
}

TEST_CASE("Forwarded: a malformed field is refused whole") {
  for (const char* bad : {"for", "for=", "=192.0.2.1", "for =192.0.2.1", "for= 192.0.2.1", "for=192.0.2.1 proto=http",
                          R"(for="192.0.2.1)", R"(for="192.0.2.1\)", "for=[2001:db8::1]", "for=192.0.2.1;for=192.0.2.2",
                          "for=a;FOR=b", R"(for="a"b)", "for=\"a\x01\"", "for=\"a\\\x7f\"", "for=a@b", "for=a,;=b"}) {
    INFO(bad);
    CHECK_FALSE(parse_forwarded(bad));
  }
}

TEST_CASE("Forwarded nodes: IPv4, bracketed IPv6, unknown and obfuscated, with ports or obfuscated ports") {
  CHECK(describe(parse_forwarded_node("192.0.2.43")) == "192.0.2.43");
  CHECK(describe(parse_forwarded_node("192.0.2.43:47011")) == "192.0.2.43 port 47011");
  CHECK(describe(parse_forwarded_node("[2001:db8::1]")) == "2001:db8::1");
  CHECK(describe(parse_forwarded_node("[2001:db8::1]:80")) == "2001:db8::1 port 80");
  CHECK(describe(parse_forwarded_node("[2001:db8::1]:_p1")) == "2001:db8::1");
  CHECK(describe(parse_forwarded_node("unknown")) == "hidden");
  CHECK(describe(parse_forwarded_node("UNKNOWN:8080")) == "hidden port 8080");
  CHECK(describe(parse_forwarded_node("_hidden")) == "hidden");
  CHECK(describe(parse_forwarded_node("_SEVKISEK.x-y:_port")) == "hidden");
  for (const char* bad : {"", "2001:db8::1", "[2001:db8::1", "[192.0.2.1]", "[2001:db8::1]80", "192.0.2.1:", "_",
                          "_a b", "192.0.2.1:123456", "192.0.2.1:-1", "192.0.2.1:_", "example.com",
                          "192.0.2.1:80:80"}) {
    INFO(bad);
    CHECK(describe(parse_forwarded_node(bad)) == "malformed");
  }
}

TEST_CASE("X-Forwarded-For entries: bare addresses, ports after IPv4 and bracketed IPv6, unknown") {
  CHECK(describe(parse_x_forwarded_for_entry("203.0.113.195")) == "203.0.113.195");
  CHECK(describe(parse_x_forwarded_for_entry("2001:db8:85a3::8a2e:370:7334")) == "2001:db8:85a3::8a2e:370:7334");
  CHECK(describe(parse_x_forwarded_for_entry("203.0.113.195:41237")) == "203.0.113.195 port 41237");
  CHECK(describe(parse_x_forwarded_for_entry("[2001:db8::1]")) == "2001:db8::1");
  CHECK(describe(parse_x_forwarded_for_entry("[2001:db8::1]:41237")) == "2001:db8::1 port 41237");
  CHECK(describe(parse_x_forwarded_for_entry("unknown")) == "hidden");
  for (const char* bad : {"", "evil", "203.0.113.195:", "203.0.113.195:x", "[2001:db8::1]:", "[2001:db8::1]x",
                          "2001:db8::1:", "_hidden", "203.0.113.195 ", "1.2.3.4:5:6", "[::1"}) {
    INFO(bad);
    CHECK(describe(parse_x_forwarded_for_entry(bad)) == "malformed");
  }
}

TEST_CASE("schemes and hosts a proxy may name") {
  CHECK(forwarded_proto("https") == "https");
  CHECK(forwarded_proto("HTTP") == "http");
  CHECK(forwarded_proto("wss").empty());
  CHECK(forwarded_proto("https ").empty());
  for (const char* good : {"example.com", "example.com:8443", "a-b_c~d.e", "192.0.2.1:80", "[2001:db8::1]",
                           "[2001:db8::1]:443", "localhost"}) {
    INFO(good);
    CHECK(is_valid_host(good));
  }
  for (const char* bad : {"", "exa mple.com", "example.com:", "example.com:65536", "example.com:80:80", "a/b", "a@b",
                          "a,b", "[2001:db8::1", "[example]", "[2001:db8::1]x", "a\r\nb", ":80"}) {
    INFO(bad);
    CHECK_FALSE(is_valid_host(bad));
  }
  CHECK_FALSE(is_valid_host(std::string(256, 'a')));
}

TEST_CASE("lists split on commas with the whitespace around entries removed and empty entries skipped") {
  CHECK(split_list(" a , b,,\tc ,") == std::vector<std::string_view>{"a", "b", "c"});
  CHECK(split_list("").empty());
  CHECK(split_list(" , ").empty());
}
