// MIME types: a sorted table of extensions, searched by binary search.
#include "native/mime_types.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace updraft {

namespace {
// Sorted by extension, lower case (static_assert below).
constexpr std::array<std::pair<std::string_view, std::string_view>, 45> kTypes{{
    {"7z", "application/x-7z-compressed"},
    {"avif", "image/avif"},
    {"bmp", "image/bmp"},
    {"br", "application/x-brotli"},
    {"bz2", "application/x-bzip2"},
    {"css", "text/css"},
    {"csv", "text/csv"},
    {"eot", "application/vnd.ms-fontobject"},
    {"gif", "image/gif"},
    {"gz", "application/gzip"},
    {"htm", "text/html"},
    {"html", "text/html"},
    {"ico", "image/vnd.microsoft.icon"},
    {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"},
    {"js", "text/javascript"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"md", "text/markdown"},
    {"mjs", "text/javascript"},
    {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},
    {"oga", "audio/ogg"},
    {"ogg", "audio/ogg"},
    {"ogv", "video/ogg"},
    {"otf", "font/otf"},
    {"pdf", "application/pdf"},
    {"png", "image/png"},
    {"svg", "image/svg+xml"},
    {"tar", "application/x-tar"},
    {"tgz", "application/gzip"},
    {"ttf", "font/ttf"},
    {"txt", "text/plain"},
    {"wasm", "application/wasm"},
    {"wav", "audio/wav"},
    {"webm", "video/webm"},
    {"webmanifest", "application/manifest+json"},
    {"webp", "image/webp"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"xhtml", "application/xhtml+xml"},
    {"xml", "application/xml"},
    {"xz", "application/x-xz"},
    {"zip", "application/zip"},
    {"zst", "application/zstd"},
}};
static_assert(std::is_sorted(kTypes.begin(), kTypes.end()));
}  // namespace

std::string_view mime_type_for(std::string_view filename) {
  constexpr std::string_view unknown = "application/octet-stream";
  auto slash = filename.rfind('/');
  std::string_view base = slash == std::string_view::npos ? filename : filename.substr(slash + 1);
  auto dot = base.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == base.size() || base.size() - dot > 16) return unknown;
  char lower[16];
  std::string_view given = base.substr(dot + 1);
  std::transform(given.begin(), given.end(), lower, [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view ext(lower, given.size());
  auto it = std::lower_bound(kTypes.begin(), kTypes.end(), ext,
                             [](const auto& entry, std::string_view key) { return entry.first < key; });
  return it != kTypes.end() && it->first == ext ? it->second : unknown;
}

}  // namespace updraft
