// Unit tests for StaticRoot: files open beneath the root only, symlinks included; directories and FIFOs are refused.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

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
