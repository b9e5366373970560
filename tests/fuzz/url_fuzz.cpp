// Fuzz target: percent-decoding and query parsing (core/http/url.hpp) never crash, undo url_escape, and a parsed
// query, escaped again, parses back to the same arguments.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/http/url.hpp"

using namespace updraft;

namespace {
void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "url invariant broken: %s\n", what);
  std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string s(reinterpret_cast<const char*>(data), size);
  const std::string decoded = url_unescape(s, false);
  require(decoded.size() <= s.size(), "decoding never lengthens");
  require(s.find('%') != std::string::npos || decoded == s, "without a '%' nothing changes");
  std::string spaced = s;
  std::replace(spaced.begin(), spaced.end(), '+', ' ');
  require(url_unescape(s, true) == url_unescape(spaced, false), "plus_as_space only turns '+' into ' '");
  require(url_unescape(url_escape(s), false) == s && url_unescape(url_escape(s), true) == s, "escape round trip");

  Arguments args, again;
  parse_query(s, args);
  require(args.size() <= static_cast<std::size_t>(std::count(s.begin(), s.end(), '&')) + 1, "one pair per '&'");
  std::string query;
  for (const auto& [name, value] : args) query += (query.empty() ? "" : "&") + url_escape(name) + "=" + url_escape(value);
  parse_query(query, again);
  require(again == args, "an escaped query parses back to its arguments");
  return 0;
}
