// Log files: a fixed table of paths and descriptors (no allocation in the signal handler), and a spdlog sink on a fd.
#include "cli/log_files.hpp"

#include <fcntl.h>
#include <spdlog/sinks/base_sink.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace updraft {

namespace {
struct LogFile {
  char path[PATH_MAX];
  int fd;
};
LogFile files[4];
int file_count = 0;

int open_for_append(const char* path) { return ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644); }

class DescriptorSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit DescriptorSink(int fd) : fd_(fd) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  void flush_() override {}

 private:
  int fd_;
};
}  // namespace

int open_log_file(const std::string& path, const char* what) {
  int fd = open_for_append(path.c_str());
  if (fd < 0) throw std::runtime_error(std::string("cannot open ") + what + " " + path + ": " + std::strerror(errno));
  if (file_count < static_cast<int>(std::size(files)) && path.size() < PATH_MAX) {
    std::memcpy(files[file_count].path, path.c_str(), path.size() + 1);
    files[file_count++].fd = fd;
  }
  return fd;
}

void reopen_log_files() {
  for (int i = 0; i < file_count; ++i) {
    int fresh = open_for_append(files[i].path);
    if (fresh < 0) continue;  // keep writing to the old file rather than nowhere
    ::dup3(fresh, files[i].fd, O_CLOEXEC);
    ::close(fresh);
  }
}

std::shared_ptr<spdlog::sinks::sink> descriptor_sink(int fd) { return std::make_shared<DescriptorSink>(fd); }

}  // namespace updraft
