// Static file paths: segment by segment, decoded once, with every way out of the root refused.
#include "native/static_path.hpp"

#include "core/http/url.hpp"

namespace updraft {

std::optional<std::string> static_relative_path(std::string_view url_path) {
  std::string relative;
  relative.reserve(url_path.size());
  for (;;) {
    auto slash = url_path.find('/');
    std::string segment = url_unescape(url_path.substr(0, slash), false);
    if (segment.empty() || segment == "." || segment == ".." || segment.find_first_of(std::string_view("/\\\0", 3)) !=
                                                                     std::string::npos)
      return std::nullopt;
    relative.append(segment);
    if (slash == std::string_view::npos) return relative;
    relative.push_back('/');
    url_path.remove_prefix(slash + 1);
  }
}

}  // namespace updraft
