// ContentHashes: SHA-256 (OpenSSL's EVP) over the file read in 64 KiB pieces, under a reader-writer lock.
#include "native/content_hashes.hpp"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <system_error>
#include <vector>

namespace updraft {

namespace {
bool same_time(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

// Whether the version's last change is a second old: a write within the same timestamp tick (the kernel's coarse
// clock, or a filesystem's own granularity) would not make a new version of one changed just now.
bool settled(const ContentHashes::Version& version) {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &now);
  auto ns = [](const struct timespec& t) { return std::int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec; };
  return ns(version.ctime) + 1'000'000'000 <= ns(now);
}

// The hash of the file, and its bytes when it has no more than keep_limit of them.
std::pair<ContentHashes::Hash, std::string> read_and_hash(int fd, std::size_t keep_limit) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || !EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr)) throw std::runtime_error("SHA-256 unavailable");
  std::vector<char> buffer(64 * 1024);
  std::string content;
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buffer.data(), buffer.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "reading a static file");
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(n));
    offset += n;
    if (static_cast<std::size_t>(offset) <= keep_limit) content.append(buffer.data(), static_cast<std::size_t>(n));
  }
  if (static_cast<std::size_t>(offset) > keep_limit) content.clear();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  static constexpr char digits[] = "0123456789abcdef";
  ContentHashes::Hash hex;
  for (std::size_t i = 0; i < hex.size() / 2; ++i) {
    hex[2 * i] = digits[digest[i] >> 4];
    hex[2 * i + 1] = digits[digest[i] & 15];
  }
  return {hex, std::move(content)};
}
}  // namespace

bool ContentHashes::Version::operator==(const Version& other) const {
  return dev == other.dev && ino == other.ino && size == other.size && same_time(mtime, other.mtime) &&
         same_time(ctime, other.ctime);
}

ContentHashes::Version ContentHashes::version_of(const struct stat& st) {
  return Version{st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim};
}

std::optional<ContentHashes::Known> ContentHashes::find(std::string_view path, const Version& version) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(path);
  if (it == entries_.end() || !(it->second.version == version)) return std::nullopt;
  return it->second;
}

ContentHashes::Known ContentHashes::compute(std::string_view path, int fd, const struct stat& st) {
  Version version = version_of(st);
  auto [hash, content] = read_and_hash(fd, kKeepLimit);
  Known known{version, hash, nullptr};
  // A file written while it was read is not remembered: the bytes and the hash may be of neither version.
  struct stat after {};
  if (::fstat(fd, &after) < 0 || !(version_of(after) == version) || !settled(version)) return known;
  bool keep = static_cast<off_t>(content.size()) == version.size;
  std::unique_lock lock(mutex_);
  auto it = entries_.find(path);
  if (it != entries_.end() && it->second.content) bytes_ -= it->second.content->size();
  if (keep && bytes_ + content.size() <= budget_) {
    known.content = std::make_shared<const std::string>(std::move(content));
    bytes_ += known.content->size();
  }
  if (it != entries_.end()) {
    it->second = known;
  } else {
    entries_.emplace(std::string(path), known);
  }
  return known;
}

std::size_t ContentHashes::bytes_kept() const {
  std::shared_lock lock(mutex_);
  return bytes_;
}

}  // namespace updraft
