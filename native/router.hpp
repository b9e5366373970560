// Router: an exact-path table first, then RE2 patterns in the order added, with named routes for reverse_url.
#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace updraft {

class Router {
 public:
  struct Match {
    std::size_t route;                // index in the order routes were added
    std::vector<std::string> args;    // captured groups, percent-decoded
  };

  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // pattern is a plain path ("/hello") or an RE2 regex matched against the whole path
  // ("/user/([0-9]+)"). Throws std::invalid_argument for a bad pattern or a reused name.
  std::size_t add(std::string_view pattern, std::string_view name = {});
  std::optional<Match> match(std::string_view path) const;
  // Rebuilds a path from a named route and values for its groups (URL-escaped).
  std::string reverse(std::string_view name, std::initializer_list<std::string_view> args) const;

 private:
  struct Pattern;
  struct PathHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::size_t, PathHash, std::equal_to<>> exact_;
  std::vector<std::unique_ptr<Pattern>> patterns_;
  std::unordered_map<std::string, std::string> named_;  // name -> pattern
  std::size_t count_ = 0;
};

}  // namespace updraft
