// Unit tests for StaticRoot: files open beneath the root only, symlinks included; directories and FIFOs are refused;
// a file read before is known by one statx until it changes.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "native/http_error.hpp"
#include "native/static_root.hpp"

using namespace updraft;
namespace fs = std::filesystem;

namespace {
struct TempTree {
  fs::path dir = fs::temp_directory_path() / ("static-root-" + std::to_string(std::random_device{}()));
  TempTree() {
    fs::create_directories(dir / "root" / "sub");
    std::ofstream(dir / "root" / "sub" / "a.txt") << "inside";
    std::ofstream(dir / "secret.txt") << "outside";
    fs::create_symlink("sub/a.txt", dir / "root" / "inner-link");
    fs::create_symlink("../secret.txt", dir / "root" / "outer-link");
    fs::create_symlink(dir / "root" / "sub" / "a.txt", dir / "root" / "absolute-link");
    fs::create_directory_symlink("..", dir / "root" / "up");
    ::mkfifo((dir / "root" / "fifo").c_str(), 0600);
  }
  ~TempTree() { fs::remove_all(dir); }
};

int status_of(const StaticRoot& root, const std::string& relative) {
  try {
    root.open(relative);
    return 200;
  } catch (const HTTPError& e) {
    return e.status();
  }
}
}  // namespace

TEST_CASE("StaticRoot opens regular files beneath it only", "[static]") {
  TempTree tree;
  StaticRoot root((tree.dir / "root").string(), "/static");
  CHECK(root.url_prefix() == "/static/");
  CHECK(root.route_pattern() == "/static/(.*)");
  StaticFile file = root.open("sub/a.txt");
  CHECK(file.stat().st_size == 6);
  CHECK(status_of(root, "inner-link") == 200);
  CHECK(status_of(root, "missing.txt") == 404);
  CHECK(status_of(root, "sub/a.txt/more") == 404);
  CHECK(status_of(root, "sub") == 403);
  CHECK(status_of(root, "fifo") == 403);  // and does not block opening it
  CHECK(status_of(root, "outer-link") == 403);
  CHECK(status_of(root, "absolute-link") == 403);
  CHECK(status_of(root, "up/secret.txt") == 403);
  CHECK(status_of(root, "../secret.txt") == 403);
  CHECK(status_of(root, (tree.dir / "secret.txt").string()) == 403);
}

TEST_CASE("StaticRoot refuses bad prefixes and missing directories", "[static]") {
  TempTree tree;
  CHECK_THROWS_AS(StaticRoot((tree.dir / "root").string(), "static/"), std::invalid_argument);
  CHECK_THROWS_AS(StaticRoot((tree.dir / "nowhere").string(), "/static/"), std::system_error);
  CHECK_THROWS_AS(StaticRoot((tree.dir / "secret.txt").string(), "/static/"), std::system_error);
  CHECK(StaticRoot((tree.dir / "root").string(), "/a.b+c/").route_pattern() == "/a\\.b\\+c/(.*)");
}

TEST_CASE("StaticRoot knows a file it has read, without opening it, until the file changes", "[static]") {
  TempTree tree;
  const fs::path sub = tree.dir / "root" / "sub";
  std::ofstream(sub / "b.txt") << "bbbbbb";
  std::ofstream(sub / "big.bin") << std::string(ContentHashes::kKeepLimit + 1, 'x');
  StaticRoot root((tree.dir / "root").string(), "/static");
  auto read = [&](const std::string& relative) {
    StaticFile file = root.open(relative);
    return root.hashes().compute(relative, file.fd(), file.stat());
  };
  CHECK_FALSE(root.known("sub/a.txt"));
  CHECK_FALSE(read("sub/a.txt").content);  // written less than a second ago: not remembered
  CHECK_FALSE(root.known("sub/a.txt"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));

  auto first = read("sub/a.txt");
  auto known = root.known("sub/a.txt");
  REQUIRE(known);
  CHECK(known->hash == first.hash);
  REQUIRE(known->content);
  CHECK(*known->content == "inside");
  read("inner-link");
  REQUIRE(root.known("inner-link"));
  CHECK(*root.known("inner-link")->content == "inside");
  read("sub/big.bin");
  REQUIRE(root.known("sub/big.bin"));
  CHECK_FALSE(root.known("sub/big.bin")->content);  // over the size kept: only its hash
  CHECK(root.hashes().bytes_kept() == 12);

  std::ofstream(sub / "a.txt") << "INSIDE";  // the same size
  CHECK_FALSE(root.known("sub/a.txt"));
  CHECK_FALSE(root.known("inner-link"));
  read("sub/b.txt");
  fs::remove(sub / "b.txt");
  fs::create_symlink(tree.dir / "secret.txt", sub / "b.txt");
  CHECK_FALSE(root.known("sub/b.txt"));  // the path leads out of the root now
  CHECK(status_of(root, "sub/b.txt") == 403);
}

TEST_CASE("ContentHashes keeps small files' bytes up to its budget", "[static]") {
  TempTree tree;
  std::ofstream(tree.dir / "root" / "c.txt") << "cccc";
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  StaticRoot root((tree.dir / "root").string(), "/static");
  ContentHashes hashes(8);
  auto read = [&](const std::string& relative) {
    StaticFile file = root.open(relative);
    return hashes.compute(relative, file.fd(), file.stat());
  };
  CHECK(read("sub/a.txt").content);  // 6 bytes
  CHECK_FALSE(read("c.txt").content);  // 6 + 4 > 8: the hash only
  CHECK(read("sub/a.txt").content);  // a new entry for a path gives back the old one's bytes first
  CHECK(hashes.bytes_kept() == 6);
}
