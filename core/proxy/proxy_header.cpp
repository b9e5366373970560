// PROXY protocol header: the v1 text line and the v2 binary block, checked field by field.
#include "core/proxy/proxy_header.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <vector>

namespace updraft::proxy {

namespace {
using Result = ProxyHeaderResult;
using Outcome = ProxyHeaderResult::Outcome;

constexpr std::string_view kV1Signature = "PROXY ";
constexpr std::string_view kV2Signature{"\r\n\r\n\0\r\nQUIT\n", 12};
constexpr std::size_t kV1MaxLine = 107;  // "PROXY TCP6 " + two longest IPv6 addresses + two ports + CRLF
constexpr std::size_t kV2FixedBytes = 16;

Result error(const char* reason) {
  Result r;
  r.outcome = Outcome::error;
  r.reason = reason;
  return r;
}

Result done(std::size_t length, ProxyHeader header) {
  Result r;
  r.outcome = Outcome::done;
  r.length = length;
  r.header = std::move(header);
  return r;
}

// Whether input is, as far as it goes, the start of signature.
bool starts_like(std::string_view input, std::string_view signature) {
  std::size_t n = std::min(input.size(), signature.size());
  return input.substr(0, n) == signature.substr(0, n);
}

std::string address_text(int family, const void* bytes) {
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(family, bytes, text, sizeof text);
  return text;
}

// Text to the binary address of family (AF_INET or AF_INET6); false if it is not one.
bool parse_address(int family, std::string_view text, unsigned char (&bytes)[16]) {
  char copy[INET6_ADDRSTRLEN];
  if (text.size() >= sizeof copy) return false;
  std::copy(text.begin(), text.end(), copy);
  copy[text.size()] = '\0';
  return ::inet_pton(family, copy, bytes) == 1;
}

bool parse_port(std::string_view digits, std::uint16_t& port) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || digits.size() > 5 || ec != std::errc() || end != digits.data() + digits.size() ||
      value > 65535)
    return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

std::vector<std::string_view> split_spaces(std::string_view line) {
  std::vector<std::string_view> fields;
  for (;;) {
    std::size_t space = line.find(' ');
    fields.push_back(line.substr(0, space));
    if (space == std::string_view::npos) return fields;
    line.remove_prefix(space + 1);
  }
}

// "PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n", "PROXY UNKNOWN\r\n".
Result parse_v1(std::string_view input) {
  std::size_t end = 0;
  const std::size_t cr_limit = kV1MaxLine - 1;  // the CR may be at most the 106th byte
  for (std::size_t i = kV1Signature.size(); i < std::min(input.size(), cr_limit); ++i) {
    char c = input[i];
    if (c == '\r') {
      if (i + 1 == input.size()) return {};
      if (input[i + 1] != '\n') return error("v1 header with a CR not followed by LF");
      end = i;
      break;
    }
    if (c < 0x20 || c > 0x7e) return error("v1 header with a byte that is not printable ASCII");
  }
  if (end == 0) return input.size() >= cr_limit ? error("v1 header longer than 107 bytes") : Result{};
  std::vector<std::string_view> fields = split_spaces(input.substr(kV1Signature.size(), end - kV1Signature.size()));
  ProxyHeader header;
  header.version = 1;
  if (fields[0] == "UNKNOWN") return done(end + 2, header);
  int family = fields[0] == "TCP4" ? AF_INET : fields[0] == "TCP6" ? AF_INET6 : 0;
  if (family == 0) return error("v1 header with a protocol other than TCP4, TCP6 or UNKNOWN");
  if (fields.size() != 5) return error("v1 header without exactly two addresses and two ports");
  unsigned char source[16], destination[16];
  std::uint16_t destination_port = 0;
  if (!parse_address(family, fields[1], source) || !parse_address(family, fields[2], destination))
    return error("v1 header with an address not of its protocol");
  if (!parse_port(fields[3], header.port) || !parse_port(fields[4], destination_port))
    return error("v1 header with a port that is not 0 to 65535");
  header.client = ProxyHeader::Client::inet;
  header.address = address_text(family, source);
  return done(end + 2, header);
}

std::uint16_t big_endian16(const unsigned char* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

// The 16-byte fixed part (signature, version and command, family and transport, length), then addresses and TLVs.
Result parse_v2(std::string_view input) {
  if (input.size() < kV2FixedBytes) return {};
  auto* bytes = reinterpret_cast<const unsigned char*>(input.data());
  if (bytes[12] >> 4 != 2) return error("v2 header with a version other than 2");
  unsigned command = bytes[12] & 0x0f;
  if (command > 1) return error("v2 header with a command other than LOCAL or PROXY");
  std::size_t length = kV2FixedBytes + big_endian16(bytes + 14);
  if (length > kMaxHeaderBytes) return error("v2 header longer than the limit");
  if (input.size() < length) return {};
  ProxyHeader header;
  header.version = 2;
  unsigned family = bytes[13] >> 4, transport = bytes[13] & 0x0f;
  if (command == 0 || family == 0) return done(length, header);  // LOCAL or UNSPEC: addresses ignored
  if (family > 3) return error("v2 header with an unknown address family");
  if (transport != 1) return error("v2 header for a transport other than a stream");
  static constexpr std::size_t kAddressBytes[] = {0, 12, 36, 216};  // INET, INET6, UNIX: source, destination, ports
  const unsigned char* block = bytes + kV2FixedBytes;
  std::size_t block_length = length - kV2FixedBytes;
  if (block_length < kAddressBytes[family]) return error("v2 header too short for its addresses");
  if (family == 1) {
    header.client = ProxyHeader::Client::inet;
    header.address = address_text(AF_INET, block);
    header.port = big_endian16(block + 8);
  } else if (family == 2) {
    header.client = ProxyHeader::Client::inet;
    header.address = address_text(AF_INET6, block);
    header.port = big_endian16(block + 32);
  } else {
    header.client = ProxyHeader::Client::unix_socket;
  }
  for (std::size_t at = kAddressBytes[family]; at < block_length;) {  // TLVs: type, 16-bit length, value
    if (block_length - at < 3 || block_length - at - 3 < big_endian16(block + at + 1))
      return error("v2 header with a TLV past its end");
    at += 3 + big_endian16(block + at + 1);
  }
  return done(length, header);
}
}  // namespace

ProxyHeaderResult parse_proxy_header(std::string_view input) {
  if (input.empty()) return {};
  if (starts_like(input, kV1Signature))
    return input.size() <= kV1Signature.size() ? Result{} : parse_v1(input);
  if (starts_like(input, kV2Signature))
    return input.size() <= kV2Signature.size() ? Result{} : parse_v2(input);
  return error("no PROXY protocol header");
}

}  // namespace updraft::proxy
