// Unit tests for parse_proxy_header(): PROXY protocol v1 lines and v2 blocks, good and broken, each replayed whole,
// cut at every point and byte by byte.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/proxy/proxy_header.hpp"
#include "core/proxy/proxy_header_replay.hpp"

using updraft::proxy::kMaxHeaderBytes;
using updraft::proxy::parse_proxy_header;
using updraft::proxy::ProxyHeader;
using updraft::proxy::ProxyHeaderResult;
using updraft::proxy::testing::ProxyHeaderReplay;
using Outcome = ProxyHeaderResult::Outcome;
using Client = ProxyHeader::Client;
using namespace std::string_literals;

namespace {
const std::string kV2Signature = "\r\n\r\n\0\r\nQUIT\n"s;
const std::string kRequest = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

std::string big_endian16(std::size_t n) { return {static_cast<char>(n >> 8), static_cast<char>(n & 0xff)}; }

// A v2 header: version-and-command byte, family-and-transport byte, then the block (addresses and TLVs).
std::string v2(unsigned char version_command, unsigned char family_transport, const std::string& block) {
  return kV2Signature + static_cast<char>(version_command) + static_cast<char>(family_transport) +
         big_endian16(block.size()) + block;
}

const std::string kInet4Block = "\xc0\x00\x02\x01"s + "\xc6\x33\x64\x01"s + big_endian16(56324) + big_endian16(443);
const std::string kInet6Block = "\x20\x01\x0d\xb8"s + std::string(11, '\0') + "\x07"s + "\x20\x01\x0d\xb8"s +
                                std::string(11, '\0') + "\x08"s + big_endian16(4711) + big_endian16(443);
std::string tlv(unsigned char type, const std::string& value) {
  return static_cast<char>(type) + big_endian16(value.size()) + value;
}

// The transcript of data whole, after checking that every cut in two and byte-by-byte arrival give it too.
std::string replayed(const std::string& data) {
  const std::string whole = ProxyHeaderReplay::whole(data);
  for (std::size_t cut = 0; cut <= data.size(); ++cut) REQUIRE(ProxyHeaderReplay::cut_at(data, cut) == whole);
  REQUIRE(ProxyHeaderReplay::in_pieces(data, 1) == whole);
  REQUIRE(ProxyHeaderReplay::in_pieces(data, 5) == whole);
  return whole;
}
}  // namespace

TEST_CASE("v1 TCP4 and TCP6 lines name the client; the bytes after them are the next protocol's") {
  CHECK(replayed("PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n" + kRequest) ==
        "v1 length 45 192.0.2.1 port 56324\nthen \"GET / HTTP/1.1\\x0d\\x0aHost: a\\x0d\\x0a\\x0d\\x0a\"\n");
  CHECK(replayed("PROXY TCP6 2001:db8::7 2001:db8::8 4711 443\r\n") ==
        "v1 length 45 2001:db8::7 port 4711\nthen \"\"\n");
  ProxyHeaderResult r = parse_proxy_header("PROXY TCP6 2001:DB8:0:0::7 ::1 0 65535\r\n");
  REQUIRE(r.outcome == Outcome::done);
  CHECK(r.header.address == "2001:db8::7");  // the canonical text
  CHECK(r.header.port == 0);
}

TEST_CASE("v1 UNKNOWN keeps the connection's peer, whatever follows it on the line") {
  CHECK(replayed("PROXY UNKNOWN\r\nx") == "v1 length 15 connection's peer\nthen \"x\"\n");
  const std::string longest = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
                              "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
  REQUIRE(longest.size() == 107);  // the specification's bound
  CHECK(replayed(longest) == "v1 length 107 connection's peer\nthen \"\"\n");
  std::string too_long = longest;
  too_long.insert(14, " ");
  CHECK(replayed(too_long) == "error v1 header longer than 107 bytes\n");
}

TEST_CASE("malformed v1 lines are refused") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"PROXY TCP4 192.0.2.1 198.51.100.1 56324\r\n", "without exactly two addresses and two ports"},
      {"PROXY TCP4 192.0.2.1 198.51.100.1 56324 443 7\r\n", "without exactly two addresses and two ports"},
      {"PROXY TCP4 192.0.2.1  198.51.100.1 56324 443\r\n", "without exactly two addresses and two ports"},
      {"PROXY TCP4 2001:db8::1 198.51.100.1 56324 443\r\n", "with an address not of its protocol"},
      {"PROXY TCP6 192.0.2.1 2001:db8::1 56324 443\r\n", "with an address not of its protocol"},
      {"PROXY TCP4 192.0.2.256 198.51.100.1 56324 443\r\n", "with an address not of its protocol"},
      {"PROXY TCP4 192.0.2.1 198.51.100.1 65536 443\r\n", "with a port that is not 0 to 65535"},
      {"PROXY TCP4 192.0.2.1 198.51.100.1 -1 443\r\n", "with a port that is not 0 to 65535"},
      {"PROXY TCP4 192.0.2.1 198.51.100.1 +1 443\r\n", "with a port that is not 0 to 65535"},
      {"PROXY TCP5 192.0.2.1 198.51.100.1 1 443\r\n", "with a protocol other than TCP4, TCP6 or UNKNOWN"},
      {"PROXY \r\n", "with a protocol other than TCP4, TCP6 or UNKNOWN"},
      {"PROXY tcp4 192.0.2.1 198.51.100.1 1 443\r\n", "with a protocol other than TCP4, TCP6 or UNKNOWN"},
      {"PROXY TCP4 192.0.2.1 198.51.100.1 1 443\n", "with a byte that is not printable ASCII"},
      {"PROXY TCP4 192.0.2.1\t198.51.100.1 1 443\r\n", "with a byte that is not printable ASCII"},
      {"PROXY TCP4 192.0.2.1 198.51.100.1 1 443\rX", "with a CR not followed by LF"},
      {"PROXY UNKNOWN \xff\r\n", "with a byte that is not printable ASCII"},
  };
  for (const auto& [line, reason] : cases) {
    INFO(line);
    CHECK(replayed(line) == "error v1 header " + reason + "\n");
  }
}

TEST_CASE("a connection that does not start with a PROXY header is refused at its first byte") {
  for (std::string data :
       {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", "proxy TCP4", "PROXYTCP4", "\r\n\r\nGET", "\x16\x03\x01"}) {
    INFO(data);
    CHECK(replayed(data) == "error no PROXY protocol header\n");
  }
  CHECK(parse_proxy_header("G").outcome == Outcome::error);
  CHECK(parse_proxy_header("\r\n\r\n\x01").outcome == Outcome::error);
}

TEST_CASE("a header still arriving asks for more, without consuming anything") {
  for (std::string data : {""s, "P"s, "PROXY"s, "PROXY TCP4 192.0.2.1"s, "PROXY TCP4 192.0.2.1 198.51.100.1 1 443\r"s,
                           kV2Signature.substr(0, 5), kV2Signature, v2(0x21, 0x11, kInet4Block).substr(0, 27)}) {
    INFO(data);
    ProxyHeaderResult r = parse_proxy_header(data);
    CHECK(r.outcome == Outcome::need_more);
    CHECK(r.length == 0);
  }
  CHECK(ProxyHeaderReplay::whole("PROXY TCP4 192.0.2.1") == "need more after 20 bytes\n");
}

TEST_CASE("v2 PROXY over IPv4, IPv6 and unix sockets names the client; TLVs are skipped") {
  CHECK(replayed(v2(0x21, 0x11, kInet4Block) + kRequest).starts_with("v2 length 28 192.0.2.1 port 56324\nthen \"GET"));
  CHECK(replayed(v2(0x21, 0x21, kInet6Block)) == "v2 length 52 2001:db8::7 port 4711\nthen \"\"\n");
  CHECK(replayed(v2(0x21, 0x31, std::string(216, 'p'))) == "v2 length 232 unix socket\nthen \"\"\n");
  const std::string tlvs = tlv(0x01, "h2") + tlv(0x04, std::string(9, '\0')) + tlv(0xe0, "") + tlv(0x20, "\x05x");
  CHECK(replayed(v2(0x21, 0x11, kInet4Block + tlvs) + "rest") ==
        "v2 length " + std::to_string(28 + tlvs.size()) + " 192.0.2.1 port 56324\nthen \"rest\"\n");
}

TEST_CASE("v2 LOCAL and UNSPEC keep the connection's peer, their addresses ignored") {
  CHECK(replayed(v2(0x20, 0x00, "")) == "v2 length 16 connection's peer\nthen \"\"\n");
  CHECK(replayed(v2(0x20, 0x11, kInet4Block)) == "v2 length 28 connection's peer\nthen \"\"\n");
  CHECK(replayed(v2(0x20, 0x77, "whatever")) == "v2 length 24 connection's peer\nthen \"\"\n");
  CHECK(replayed(v2(0x21, 0x00, "")) == "v2 length 16 connection's peer\nthen \"\"\n");
}

TEST_CASE("malformed v2 headers are refused") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {v2(0x11, 0x11, kInet4Block), "with a version other than 2"},
      {v2(0x31, 0x11, kInet4Block), "with a version other than 2"},
      {v2(0x22, 0x11, kInet4Block), "with a command other than LOCAL or PROXY"},
      {v2(0x2f, 0x11, kInet4Block), "with a command other than LOCAL or PROXY"},
      {v2(0x21, 0x41, kInet4Block), "with an unknown address family"},
      {v2(0x21, 0x12, kInet4Block), "for a transport other than a stream"},
      {v2(0x21, 0x10, kInet4Block), "for a transport other than a stream"},
      {v2(0x21, 0x11, kInet4Block.substr(0, 11)), "too short for its addresses"},
      {v2(0x21, 0x21, kInet4Block), "too short for its addresses"},
      {v2(0x21, 0x31, std::string(215, 'p')), "too short for its addresses"},
      {v2(0x21, 0x11, kInet4Block + "\x01"), "with a TLV past its end"},
      {v2(0x21, 0x11, kInet4Block + "\x01\x00"s), "with a TLV past its end"},
      {v2(0x21, 0x11, kInet4Block + "\x01\x00\x03xy"s), "with a TLV past its end"},
  };
  for (const auto& [header, reason] : cases) {
    INFO(reason);
    CHECK(replayed(header) == "error v2 header " + reason + "\n");
  }
}

TEST_CASE("a v2 header longer than the limit is refused from its length, before its body arrives") {
  std::string header = v2(0x21, 0x11, kInet4Block + tlv(0x04, std::string(kMaxHeaderBytes, '\0')));
  CHECK(parse_proxy_header(std::string_view(header).substr(0, 16)).reason == "v2 header longer than the limit"s);
  CHECK(replayed(header.substr(0, 40)) == "error v2 header longer than the limit\n");
  std::string largest = v2(0x21, 0x11, kInet4Block + tlv(0x04, std::string(kMaxHeaderBytes - 16 - 12 - 3, '\0')));
  REQUIRE(largest.size() == kMaxHeaderBytes);
  CHECK(parse_proxy_header(largest).outcome == Outcome::done);
}
