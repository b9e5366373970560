// CodeWatcher: a recursive walk per look; a Python app's tree is small enough to stat every second.
#include "cli/code_watcher.hpp"

namespace updraft {

namespace fs = std::filesystem;

namespace {
bool skipped_directory(const fs::path& dir) {
  std::string name = dir.filename().string();
  return name.starts_with(".") || name == "__pycache__" || name == "node_modules";
}
}  // namespace

CodeWatcher::CodeWatcher(std::vector<fs::path> dirs) : dirs_(std::move(dirs)), last_(scan()) {}

bool CodeWatcher::changed() {
  Snapshot now = scan();
  if (now == last_) return false;
  last_ = std::move(now);
  return true;
}

CodeWatcher::Snapshot CodeWatcher::scan() const {
  Snapshot files;
  std::error_code ec;
  for (const fs::path& dir : dirs_) {
    fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      if (it->is_directory(ec) && skipped_directory(it->path())) {
        it.disable_recursion_pending();
        continue;
      }
      if (it->path().extension() == ".py") files[it->path()] = it->last_write_time(ec);
    }
  }
  return files;
}

}  // namespace updraft
