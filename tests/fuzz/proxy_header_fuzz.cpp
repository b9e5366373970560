// Fuzz target: the PROXY protocol header reader gives the same header (or error) and leaves the same bytes to the
// next protocol whether a connection's bytes arrive whole, cut in two or byte by byte; the first byte picks the cut.
// A header it accepts is within the size limit and names a client address that reads back as one.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/http/ip_address.hpp"
#include "core/proxy/proxy_header.hpp"
#include "core/proxy/proxy_header_replay.hpp"

using updraft::proxy::ProxyHeader;
using updraft::proxy::ProxyHeaderResult;
using updraft::proxy::testing::ProxyHeaderReplay;
using updraft::testing::require_same;

namespace {
void require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "broken promise: %s\n", what);
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > updraft::proxy::kMaxHeaderBytes + 64) return 0;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  ProxyHeaderResult r = updraft::proxy::parse_proxy_header(input);
  if (r.outcome == ProxyHeaderResult::Outcome::done) {
    require(r.length <= input.size() && r.length <= updraft::proxy::kMaxHeaderBytes,
            "a header within the input and the limit");
    require(r.header.client != ProxyHeader::Client::inet || updraft::IpAddress::parse(r.header.address),
            "a client address that reads back");
  }
  if (r.outcome != ProxyHeaderResult::Outcome::done) require(r.length == 0, "nothing consumed without a header");
  const std::string whole = ProxyHeaderReplay::whole(input);
  require_same(whole, ProxyHeaderReplay::cut_at(input, input.size() * data[0] / 255), "cut in two");
  require_same(whole, ProxyHeaderReplay::in_pieces(input, 1), "byte by byte");
  return 0;
}
