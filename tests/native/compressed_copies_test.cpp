// Unit tests for CompressedCopies (native/compressed_copies.hpp): copies by hash and coding, the budget, a file read
// whole.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>

#include "native/compressed_copies.hpp"
#include "native/content_encoding.hpp"

using namespace updraft;

namespace {
// A temporary file holding contents; removed with it.
struct TempFile {
  explicit TempFile(const std::string& contents) {
    char name[] = "/tmp/updraft-copies-XXXXXX";
    fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    path = name;
    REQUIRE(::write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size()));
  }
  ~TempFile() {
    ::close(fd);
    std::remove(path.c_str());
  }
  int fd;
  std::string path;
};

ContentHashes::Hash hash_of(char c) {
  ContentHashes::Hash h;
  h.fill(c);
  return h;
}

std::string text(std::size_t size, char seed) {
  std::string s;
  for (int i = 0; s.size() < size; ++i) s += std::string(1, seed) + std::to_string(i * 7919 % 1000) + " ";
  s.resize(size);
  return s;
}
}  // namespace

TEST_CASE("compressed copies: made once per hash and coding, kept", "[compressed_copies]") {
  CompressedCopies copies;
  std::string body = text(50000, 'a');
  TempFile file(body);
  CHECK_FALSE(copies.find(hash_of('1'), ContentCoding::gzip));
  auto gzip = copies.compute(hash_of('1'), ContentCoding::gzip, 6, file.fd, body.size());
  CHECK(*gzip == encode_content(ContentCoding::gzip, 6, body));
  CHECK(copies.find(hash_of('1'), ContentCoding::gzip) == gzip);
  CHECK_FALSE(copies.find(hash_of('1'), ContentCoding::br));
  CHECK_FALSE(copies.find(hash_of('2'), ContentCoding::gzip));
  auto br = copies.compute(hash_of('1'), ContentCoding::br, 4, file.fd, body.size());
  CHECK(*br == encode_content(ContentCoding::br, 4, body));
  CHECK(copies.bytes_kept() == gzip->size() + br->size());
}

TEST_CASE("compressed copies: the oldest go when the budget is passed", "[compressed_copies]") {
  std::string body = text(20000, 'b');
  TempFile file(body);
  std::size_t one = encode_content(ContentCoding::gzip, 6, body).size();
  CompressedCopies copies(one * 2 + one / 2);
  for (char c : {'1', '2', '3'}) copies.compute(hash_of(c), ContentCoding::gzip, 6, file.fd, body.size());
  CHECK_FALSE(copies.find(hash_of('1'), ContentCoding::gzip));
  CHECK(copies.find(hash_of('2'), ContentCoding::gzip));
  CHECK(copies.find(hash_of('3'), ContentCoding::gzip));
  CHECK(copies.bytes_kept() == 2 * one);
  CompressedCopies tiny(10);  // a copy alone over the budget is returned, not kept
  CHECK(tiny.compute(hash_of('4'), ContentCoding::gzip, 6, file.fd, body.size())->size() == one);
  CHECK_FALSE(tiny.find(hash_of('4'), ContentCoding::gzip));
  CHECK(tiny.bytes_kept() == 0);
}

TEST_CASE("compressed copies: a file shorter than its size is an error", "[compressed_copies]") {
  CompressedCopies copies;
  TempFile file("short");
  CHECK_THROWS_AS(copies.compute(hash_of('5'), ContentCoding::gzip, 6, file.fd, 100), std::system_error);
  CHECK_FALSE(copies.find(hash_of('5'), ContentCoding::gzip));
}
