// Unit tests for MultipartForm: fields become arguments, files past the threshold are spooled to temporary files that
// hold exactly their bytes and go with the form, and a malformed body is an error that stops the collecting.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "native/multipart_form.hpp"

using updraft::Arguments;
using updraft::MultipartForm;

namespace {
std::string part(std::string_view disposition, std::string_view data) {
  return "--b\r\nContent-Disposition: form-data; " + std::string(disposition) + "\r\n\r\n" + std::string(data) + "\r\n";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Feeds body to form in pieces of `size` bytes, then finishes it.
void feed(MultipartForm& form, const std::string& body, std::size_t size) {
  for (std::size_t i = 0; i < body.size(); i += size) form.feed(std::string_view(body).substr(i, size));
  form.finish();
}
}  // namespace

TEST_CASE("fields are arguments and small files stay in memory", "[multipart]") {
  MultipartForm form("b", 16);
  feed(form, part("name=a", "1") + part("name=a", "2") + part("name=f; filename=x.txt", "0123456789abcdef") + "--b--",
       3);
  REQUIRE_FALSE(form.error());
  CHECK(form.fields() == Arguments{{"a", "1"}, {"a", "2"}});
  REQUIRE(form.files().at("f").size() == 1);
  const auto& file = form.files().at("f")[0];
  CHECK((file.filename == "x.txt" && file.content_type == "text/plain" && file.body == "0123456789abcdef"));
  CHECK((file.size == 16 && file.path.empty()));
}

TEST_CASE("files past the threshold are spooled to temporary files removed with the form", "[multipart]") {
  std::string big(100000, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  std::string path;
  {
    MultipartForm form("b", 1000);
    feed(form, part("name=f; filename=\"../../escape\"", big) + part("name=g; filename=y", "small") + "--b--", 4096);
    REQUIRE_FALSE(form.error());
    const auto& spooled = form.files().at("f")[0];
    path = spooled.path;
    CHECK(std::filesystem::path(path).parent_path() == std::filesystem::temp_directory_path());
    CHECK(std::filesystem::path(path).filename().string().starts_with("updraft-upload-"));
    CHECK((spooled.body.empty() && spooled.size == big.size() && spooled.filename == "../../escape"));
    CHECK(read_file(path) == big);
    CHECK((form.files().at("g")[0].body == "small" && form.files().at("g")[0].path.empty()));
  }
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("a malformed body is an error, and its spooled file goes too", "[multipart]") {
  std::string path;
  {
    MultipartForm form("b", 10);
    form.feed(part("name=f; filename=x", std::string(100, 'x')));
    path = form.files().at("f")[0].path;
    CHECK(std::filesystem::exists(path));
    form.feed("--b\r\nno colon\r\n\r\n");
    REQUIRE(form.error());
    CHECK(*form.error() == "Malformed multipart/form-data body: a part header line that is not \"Name: value\"");
    form.feed(part("name=late", "ignored") + "--b--");
    form.finish();
    CHECK(form.fields().empty());
  }
  CHECK_FALSE(std::filesystem::exists(path));
  MultipartForm cut_short("b");
  feed(cut_short, part("name=a", "1"), 1);
  CHECK(cut_short.error() == "Malformed multipart/form-data body: the body ended before the closing boundary");
}
