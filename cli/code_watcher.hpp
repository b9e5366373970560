// CodeWatcher: notices that a Python file under some directories changed, appeared or went (--reload), by mtimes.
#pragma once

#include <filesystem>
#include <map>
#include <vector>

namespace updraft {

class CodeWatcher {
 public:
  // Remembers the .py files under dirs (recursively; hidden directories and __pycache__ skipped) and their mtimes.
  explicit CodeWatcher(std::vector<std::filesystem::path> dirs);
  // True when the files differ from the last look (then remembers the new state).
  bool changed();

 private:
  using Snapshot = std::map<std::filesystem::path, std::filesystem::file_time_type>;
  Snapshot scan() const;
  std::vector<std::filesystem::path> dirs_;
  Snapshot last_;
};

}  // namespace updraft
