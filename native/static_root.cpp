// StaticRoot: an O_PATH descriptor of the directory, openat2 beneath it for a file not seen before, statx for one seen.
#include "native/static_root.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "native/http_error.hpp"

namespace updraft {

namespace {
int open_beneath(int directory_fd, const char* relative) {
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;  // O_NONBLOCK: a FIFO must not block the loop
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd;
  do fd = ::syscall(SYS_openat2, directory_fd, relative, &how, sizeof how);
  while (fd < 0 && errno == EINTR);
  return static_cast<int>(fd);
}
}  // namespace

StaticFile& StaticFile::operator=(StaticFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    stat_ = other.stat_;
  }
  return *this;
}

StaticFile::~StaticFile() {
  if (fd_ >= 0) ::close(fd_);
}

StaticRoot::StaticRoot(const std::string& directory, std::string url_prefix) : url_prefix_(std::move(url_prefix)) {
  if (url_prefix_.empty() || url_prefix_.front() != '/')
    throw std::invalid_argument("static URL prefix '" + url_prefix_ + "' does not start with '/'");
  if (url_prefix_.back() != '/') url_prefix_.push_back('/');
  // libcrypto (the content hashes) is set up here, on the configuring thread, before the shared executor that hashes
  // exists: its cleanup at exit then runs after the executor's threads have ended and releases their state.
  OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, nullptr);
  directory_fd_ = ::open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (directory_fd_ < 0) throw std::system_error(errno, std::generic_category(), "static directory " + directory);
  int probe = open_beneath(directory_fd_, ".");
  if (probe >= 0) {
    ::close(probe);
  } else if (errno == ENOSYS) {
    ::close(directory_fd_);
    throw std::runtime_error("static files need openat2(2), Linux 5.6 or later");
  }
}

StaticRoot::~StaticRoot() { ::close(directory_fd_); }

std::string StaticRoot::route_pattern() const {
  std::string pattern;
  for (char c : url_prefix_) {
    bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '/' ||
                static_cast<unsigned char>(c) >= 0x80;  // RE2 takes UTF-8 bytes as they are
    if (!word) pattern.push_back('\\');
    pattern.push_back(c);
  }
  return pattern + "(.*)";
}

std::optional<ContentHashes::Known> StaticRoot::known(const std::string& relative) const {
  struct statx sx {};
  if (::statx(directory_fd_, relative.c_str(), AT_STATX_SYNC_AS_STAT | AT_NO_AUTOMOUNT,
              STATX_INO | STATX_SIZE | STATX_MTIME | STATX_CTIME, &sx) < 0)
    return std::nullopt;
  ContentHashes::Version version{makedev(sx.stx_dev_major, sx.stx_dev_minor), sx.stx_ino,
                                 static_cast<off_t>(sx.stx_size),
                                 {sx.stx_mtime.tv_sec, sx.stx_mtime.tv_nsec},
                                 {sx.stx_ctime.tv_sec, sx.stx_ctime.tv_nsec}};
  return hashes_.find(relative, version);
}

StaticFile StaticRoot::open(const std::string& relative) const {
  int fd = open_beneath(directory_fd_, relative.c_str());
  if (fd < 0) {
    bool missing = errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG;
    throw HTTPError(missing ? 404 : 403, relative + ": " + std::generic_category().message(errno));
  }
  struct stat st {};
  StaticFile file(fd, st);
  if (::fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) throw HTTPError(403, relative + " is not a file");
  return StaticFile(file.release(), st);
}

}  // namespace updraft
