// Static file paths: the URL path under a static prefix as a path relative to the static root, or nothing when it
// could leave the root.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace updraft {

// Takes the still percent-encoded URL path after the static prefix ("css/site%20v2.css") and returns the relative file
// path it names ("css/site v2.css"). Each '/'-separated segment is decoded on its own, so nothing is returned when a
// segment is empty, "." or "..", or decodes to something holding a '/', a '\\' or a NUL: "..", "%2e%2e", "a%2fb",
// "a//b", "/etc/passwd" and "a%00.css" are all refused.
std::optional<std::string> static_relative_path(std::string_view url_path);

}  // namespace updraft
