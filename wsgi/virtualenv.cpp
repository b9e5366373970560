// Virtualenv: reads pyvenv.cfg as site.py does (key = value lines) and compares its Python version with ours.
#include "wsgi/virtualenv.hpp"

#include <patchlevel.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string_view>

namespace updraft::py {

namespace {
using Settings = std::map<std::string, std::string>;

std::runtime_error refusal(const std::string& dir, const std::string& why) {
  return std::runtime_error("--virtualenv " + dir + ": " + why);
}

std::string_view trim(std::string_view s) {
  auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// "key = value" lines, keys lower-cased; other lines ignored.
Settings read_settings(std::ifstream& file) {
  Settings settings;
  for (std::string line; std::getline(file, line);) {
    auto equals = line.find('=');
    if (equals == std::string::npos) continue;
    std::string key(trim(std::string_view(line).substr(0, equals)));
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    settings[key] = trim(std::string_view(line).substr(equals + 1));
  }
  return settings;
}

// The version the venv was made for: virtualenv's and uv's version_info ("3.11.2.final.0"), or venv's version.
std::string made_for(const Settings& settings) {
  for (const char* key : {"version_info", "version"})
    if (auto it = settings.find(key); it != settings.end()) return it->second;
  return {};
}

// "3.11" of "3.11.2.final.0": releases with the same one share the C ABI and the standard library's layout.
std::string_view major_minor(std::string_view version) {
  auto first = version.find('.');
  return first == std::string_view::npos ? version : version.substr(0, version.find('.', first + 1));
}
}  // namespace

std::string virtualenv_interpreter(const std::string& dir) {
  std::filesystem::path root = std::filesystem::absolute(dir);
  std::ifstream cfg(root / "pyvenv.cfg");
  if (!cfg)
    throw refusal(dir, "no pyvenv.cfg in it, so it is not a virtual environment (make one with "
                       "`/usr/bin/python3 -m venv DIR`; a plain directory of modules goes on --pythonpath)");
  std::string version = made_for(read_settings(cfg));
  if (version.empty()) throw refusal(dir, "its pyvenv.cfg gives no Python version (version or version_info)");
  if (major_minor(version) != major_minor(PY_VERSION))
    throw refusal(dir, "made for Python " + version + ", but updraft embeds Python " PY_VERSION
                       " (make the virtualenv with `/usr/bin/python3 -m venv`)");
  return (root / "bin" / "python3").string();
}

}  // namespace updraft::py
