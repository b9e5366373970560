// Fuzz target: a route made from the input's first line ("/user/{0}", {d} naming group d of kGroups), reversed with
// the lines after it as arguments, matches the path it gives and captures the same arguments.
#include <re2/re2.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "native/router.hpp"
#include "core/http/url.hpp"

using updraft::Router;

namespace {
// Capturing groups as applications write them.
const char* const kGroups[] = {"([0-9]+)", "(\\d{4})", "([^/]+)", "(.*)", "(.+)",
                               "(\\w+)", "([a-z-]+)", "(?P<slug>[^/]+)", "([^/]+?)", "((?:[a-z]+-)*[a-z]+)"};

const RE2& group_regex(int i) {
  static const std::vector<std::unique_ptr<RE2>> compiled = [] {
    std::vector<std::unique_ptr<RE2>> v;
    for (const char* g : kGroups) v.push_back(std::make_unique<RE2>(g));
    return v;
  }();
  return *compiled[i];
}

void require(bool ok, const char* what, const std::string& where) {
  if (ok) return;
  std::fprintf(stderr, "router round trip broken: %s ('%s')\n", what, where.c_str());
  std::abort();
}

std::string reverse(const Router& router, const std::vector<std::string>& a) {
  switch (a.size()) {
    case 0: return router.reverse("r", {});
    case 1: return router.reverse("r", {a[0]});
    case 2: return router.reverse("r", {a[0], a[1]});
    default: return router.reverse("r", {a[0], a[1], a[2]});
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> lines(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == '\n') lines.emplace_back();
    else lines.back().push_back(static_cast<char>(data[i]));
  }
  const std::string& tmpl = lines[0];
  const std::vector<std::string> args(lines.begin() + 1, lines.end());
  // At most three arguments; a template in ASCII, as RE2 refuses invalid UTF-8.
  if (args.size() > 3 || std::any_of(tmpl.begin(), tmpl.end(), [](unsigned char c) { return c >= 0x80; })) return 0;

  // The pattern: the template's text with regex metacharacters escaped, and the groups it names.
  std::string pattern;
  std::vector<const RE2*> groups;
  bool separated = true;  // a '/' between every two groups, so the split of a path with escaped arguments is unique
  std::size_t last_slash = 0, last_group = 0;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] == '{' && i + 2 < tmpl.size() && tmpl[i + 1] >= '0' && tmpl[i + 1] <= '9' && tmpl[i + 2] == '}') {
      separated = separated && (groups.empty() || last_slash > last_group);
      groups.push_back(&group_regex(tmpl[i + 1] - '0'));
      pattern += kGroups[tmpl[i + 1] - '0'];
      last_group = i += 2;
    } else {
      if (std::string_view("\\^$.|?*+()[]{}").find(tmpl[i]) != std::string_view::npos) pattern += '\\';
      if (tmpl[i] == '/') last_slash = i;
      pattern += tmpl[i];
    }
  }
  if (groups.size() > 3) return 0;

  Router router;
  try {
    router.add(pattern, "r");
  } catch (const std::invalid_argument& e) {
    require(false, e.what(), pattern);
  }
  std::string path;
  try {
    path = reverse(router, args);
  } catch (const std::invalid_argument&) {
    require(args.size() != groups.size(), "reverse refused as many arguments as groups", pattern);
    return 0;
  }
  require(args.size() == groups.size(), "reverse took a wrong number of arguments", pattern);
  for (std::size_t i = 0; i < args.size(); ++i)
    if (!RE2::FullMatch(updraft::url_escape(args[i]), *groups[i])) return 0;  // not a path of this route
  auto match = router.match(path);
  require(match.has_value(), "the reversed path does not match its route", path);
  require(!separated || match->args == args, "the reversed path gives other arguments", path);
  return 0;
}
