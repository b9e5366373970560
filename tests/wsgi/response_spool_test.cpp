// Unit tests for ResponseSpool: order kept across memory and file, limits, the file freed once sent, failures.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "wsgi/response_spool.hpp"

using updraft::ResponseSpool;
using updraft::SpoolLimits;

namespace {
// The bytes a popped piece stands for (reading a file range, then closing it as the writer would).
std::string contents(ResponseSpool::Piece piece) {
  if (piece.fd < 0) return piece.data;
  std::string out(piece.length, '\0');
  REQUIRE(::pread(piece.fd, out.data(), out.size(), static_cast<off_t>(piece.offset)) ==
          static_cast<ssize_t>(out.size()));
  ::close(piece.fd);
  return out;
}

std::string drain(ResponseSpool& spool) {
  std::string all;
  while (!spool.empty()) all += contents(spool.pop());
  return all;
}

int open_fds() {
  int count = 0;
  for (int fd = 0; fd < 1024; ++fd) count += ::fcntl(fd, F_GETFD) != -1;
  return count;
}
}  // namespace

TEST_CASE("small output stays in memory, in order", "[response_spool]") {
  SpoolLimits limits;
  ResponseSpool spool(limits);
  CHECK(spool.empty());
  spool.push("hello ");
  spool.push("world");
  CHECK(spool.bytes() == 11);
  ResponseSpool::Piece piece = spool.pop();
  CHECK(piece.fd == -1);
  CHECK(piece.data == "hello world");
  CHECK(spool.empty());
  CHECK(spool.bytes() == 0);
}

TEST_CASE("output past the memory limit goes to a temporary file and comes back in order", "[response_spool]") {
  SpoolLimits limits;
  limits.memory = 10;
  int fds_before = open_fds();
  {
    ResponseSpool spool(limits);
    std::string expected;
    for (int i = 0; i < 50; ++i) {
      std::string part = "part" + std::to_string(i) + ";";
      spool.push(part);
      expected += part;
    }
    CHECK(spool.bytes() == expected.size());
    ResponseSpool::Piece first = spool.pop();
    CHECK(first.fd == -1);  // what fitted in memory comes first
    std::string got = first.data;
    ResponseSpool::Piece from_file = spool.pop();
    CHECK(from_file.fd >= 0);  // the rest is one contiguous range of the file
    got += contents(from_file);
    CHECK(spool.empty());
    CHECK(got == expected);
  }
  CHECK(open_fds() == fds_before);  // the spool file is closed (and, unlinked, freed) once its last range is out
}

TEST_CASE("memory freed by the writer is used again after a file range", "[response_spool]") {
  SpoolLimits limits;
  limits.memory = 8;
  ResponseSpool spool(limits);
  spool.push("12345678");  // memory is full
  spool.push("abc");       // to the file
  CHECK(contents(spool.pop()) == "12345678");
  spool.push("def");  // memory has room again, but it must not overtake the file's bytes
  CHECK(drain(spool) == "abcdef");
}

TEST_CASE("a file of the app's keeps its place between spooled bytes", "[response_spool]") {
  SpoolLimits limits;
  ResponseSpool spool(limits);
  char name[] = "/tmp/spool-test-XXXXXX";
  int fd = ::mkstemp(name);
  REQUIRE(fd >= 0);
  ::unlink(name);
  REQUIRE(::write(fd, "0123456789", 10) == 10);
  spool.push("head;");
  spool.push_file(fd, 2, 5);
  spool.push(";tail");
  CHECK(spool.bytes() == 15);
  CHECK(drain(spool) == "head;23456;tail");
}

TEST_CASE("the spool is full at its maximum", "[response_spool]") {
  SpoolLimits limits;
  limits.memory = 4;
  limits.max = 16;
  ResponseSpool spool(limits);
  spool.push(std::string(15, 'x'));
  CHECK_FALSE(spool.full());
  spool.push("y");
  CHECK(spool.full());
  spool.pop();
  CHECK_FALSE(spool.full());
}

TEST_CASE("when the temporary file cannot be made the bytes stay in memory and the producer waits",
          "[response_spool]") {
  SpoolLimits limits;
  limits.memory = 4;
  limits.dir = "/nonexistent/spool";
  ResponseSpool spool(limits);
  spool.push("abcdef");
  CHECK(spool.full());
  CHECK(drain(spool) == "abcdef");
}
