// ContentHashes: SHA-256 (OpenSSL's EVP) over the file read in 64 KiB pieces, under a reader-writer lock.
#include "native/content_hashes.hpp"

#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <mutex>
#include <system_error>
#include <vector>

namespace updraft {

namespace {
bool same_version(const struct stat& st, dev_t dev, ino_t ino, off_t size, const struct timespec& mtime) {
  return st.st_dev == dev && st.st_ino == ino && st.st_size == size && st.st_mtim.tv_sec == mtime.tv_sec &&
         st.st_mtim.tv_nsec == mtime.tv_nsec;
}

ContentHashes::Hash sha256_prefix(int fd) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || !EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr)) throw std::runtime_error("SHA-256 unavailable");
  std::vector<char> buffer(64 * 1024);
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buffer.data(), buffer.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "reading a static file");
    if (n == 0) break;
    EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<std::size_t>(n));
    offset += n;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &length);
  static constexpr char digits[] = "0123456789abcdef";
  ContentHashes::Hash hex;
  for (std::size_t i = 0; i < hex.size() / 2; ++i) {
    hex[2 * i] = digits[digest[i] >> 4];
    hex[2 * i + 1] = digits[digest[i] & 15];
  }
  return hex;
}
}  // namespace

std::optional<ContentHashes::Hash> ContentHashes::find(std::string_view path, const struct stat& st) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(path);
  if (it == entries_.end()) return std::nullopt;
  const Entry& e = it->second;
  if (!same_version(st, e.dev, e.ino, e.size, e.mtime)) return std::nullopt;
  return e.hash;
}

ContentHashes::Hash ContentHashes::compute(std::string_view path, int fd, const struct stat& st) {
  Hash hash = sha256_prefix(fd);
  std::unique_lock lock(mutex_);
  entries_.insert_or_assign(std::string(path), Entry{st.st_dev, st.st_ino, st.st_size, st.st_mtim, hash});
  return hash;
}

}  // namespace updraft
