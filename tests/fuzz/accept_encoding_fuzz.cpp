// Fuzz target: Accept-Encoding negotiation (native/accept_encoding.hpp) never crashes, never picks a coding it was not
// allowed to offer, and a header that names neither gzip, x-gzip, br nor * (in any case) gets identity.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "native/accept_encoding.hpp"

using namespace updraft;

namespace {
void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "accept-encoding invariant broken: %s\n", what);
  std::abort();
}

bool names_a_coding(std::string_view header) {
  std::string lower(header);
  for (auto& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return lower.find("gzip") != std::string::npos || lower.find("br") != std::string::npos ||
         lower.find('*') != std::string::npos;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view header(reinterpret_cast<const char*>(data), size);
  ContentCoding both = negotiate_content_coding(header, true, true);
  require(negotiate_content_coding(header, true, false) != ContentCoding::br, "br picked though not offered");
  require(negotiate_content_coding(header, false, true) != ContentCoding::gzip, "gzip picked though not offered");
  require(negotiate_content_coding(header, false, false) == ContentCoding::identity, "a coding from nothing offered");
  if (!names_a_coding(header)) require(both == ContentCoding::identity, "a coding the header does not name");
  return 0;
}
