// Router: exact paths through a hash table, patterns through RE2 (never std::regex).
#include "native/router.hpp"

#include <re2/re2.h>

#include <stdexcept>

#include "core/http/url.hpp"

namespace updraft {

struct Router::Pattern {
  // Quiet: a bad pattern is reported once, by the exception add() throws.
  Pattern(std::size_t i, std::string_view source) : index(i), re(std::string(source), RE2::Quiet) {}
  std::size_t index;
  RE2 re;
};

namespace {
bool is_plain_path(std::string_view pattern) {
  return pattern.find_first_of("\\^$.|?*+()[]{}") == std::string_view::npos;
}

std::string_view strip_anchors(std::string_view pattern) {
  if (!pattern.empty() && pattern.front() == '^') pattern.remove_prefix(1);
  // A trailing '$' is an anchor unless a backslash escapes it (an odd run of backslashes before it: "/price\\$").
  std::size_t escapes = 0;
  while (escapes + 1 < pattern.size() && pattern[pattern.size() - 2 - escapes] == '\\') ++escapes;
  if (!pattern.empty() && pattern.back() == '$' && escapes % 2 == 0) pattern.remove_suffix(1);
  return pattern;
}
}  // namespace

Router::Router() = default;
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

std::size_t Router::add(std::string_view pattern, std::string_view name) {
  // Every check comes before any change, so a route that throws is not half-added.
  std::size_t index = count_;
  std::string_view body = strip_anchors(pattern);
  if (!name.empty() && named_.contains(std::string(name)))
    throw std::invalid_argument("route name '" + std::string(name) + "' used twice");
  if (is_plain_path(body)) {
    exact_.emplace(std::string(body), index);
  } else {
    auto p = std::make_unique<Pattern>(index, body);
    if (!p->re.ok())
      throw std::invalid_argument("bad route pattern '" + std::string(pattern) + "': " + p->re.error());
    patterns_.push_back(std::move(p));
  }
  if (!name.empty()) named_.emplace(std::string(name), std::string(body));
  return count_++;
}

std::optional<Router::Match> Router::match(std::string_view path) const {
  if (auto it = exact_.find(path); it != exact_.end()) return Match{it->second, {}};
  for (const auto& p : patterns_) {
    int groups = p->re.NumberOfCapturingGroups();
    std::vector<re2::StringPiece> captured(static_cast<std::size_t>(groups));
    std::vector<RE2::Arg> args(captured.size());
    std::vector<const RE2::Arg*> arg_ptrs(captured.size());
    for (std::size_t i = 0; i < captured.size(); ++i) {
      args[i] = &captured[i];
      arg_ptrs[i] = &args[i];
    }
    if (!RE2::FullMatchN(re2::StringPiece(path.data(), path.size()), p->re, arg_ptrs.data(), groups)) continue;
    Match m{p->index, {}};
    for (auto& c : captured) m.args.push_back(url_unescape({c.data(), c.size()}, false));
    return m;
  }
  return std::nullopt;
}

std::string Router::reverse(std::string_view name, std::initializer_list<std::string_view> args) const {
  auto it = named_.find(std::string(name));
  if (it == named_.end()) throw std::invalid_argument("no route named '" + std::string(name) + "'");
  const std::string& pattern = it->second;
  std::string out;
  auto arg = args.begin();
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      out.push_back(pattern[++i]);
    } else if (c == '(') {
      if (arg == args.end()) throw std::invalid_argument("reverse_url('" + std::string(name) + "'): too few arguments");
      out.append(url_escape(*arg++));
      for (int depth = 1; depth > 0 && ++i < pattern.size();) {
        if (pattern[i] == '\\') ++i;
        else if (pattern[i] == '(') ++depth;
        else if (pattern[i] == ')') --depth;
      }
    } else {
      out.push_back(c);
    }
  }
  if (arg != args.end()) throw std::invalid_argument("reverse_url('" + std::string(name) + "'): too many arguments");
  return out;
}

}  // namespace updraft
