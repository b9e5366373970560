// Unit tests for the multipart/form-data parser: parts, names and filenames as clients send them, limits, and every
// body (good or hostile) giving the same parts whole, cut at every point and byte by byte.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "native/multipart_parser.hpp"
#include "support/multipart_replay.hpp"

using updraft::MultipartLimits;
using updraft::multipart_boundary;
using updraft::testing::MultipartReplay;
using updraft::testing::small_multipart_limits;

namespace {
const std::string B = "xYz";

std::string part(std::string_view headers, std::string_view data) {
  return "--" + B + "\r\n" + std::string(headers) + "\r\n\r\n" + std::string(data) + "\r\n";
}
std::string field(std::string_view name, std::string_view value) {
  return part("Content-Disposition: form-data; name=\"" + std::string(name) + "\"", value);
}
const std::string closing = "--" + B + "--\r\n";

std::string parse(const std::string& body, MultipartLimits limits = {}) {
  return MultipartReplay::whole(B, limits, body);
}
}  // namespace

TEST_CASE("multipart_boundary reads the boundary of multipart/form-data only", "[multipart]") {
  CHECK(multipart_boundary("multipart/form-data; boundary=abc") == "abc");
  CHECK(multipart_boundary("Multipart/Form-Data;boundary=\"a b;c\"") == "a b;c");
  CHECK(multipart_boundary("multipart/form-data; charset=utf-8; BOUNDARY=x") == "x");
  CHECK_FALSE(multipart_boundary("multipart/form-data"));
  CHECK_FALSE(multipart_boundary("multipart/form-data; boundary="));
  CHECK_FALSE(multipart_boundary("multipart/form-data; boundary=\"unterminated"));
  CHECK_FALSE(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')));
  CHECK_FALSE(multipart_boundary("multipart/mixed; boundary=abc"));
  CHECK_FALSE(multipart_boundary("application/x-www-form-urlencoded"));
}

TEST_CASE("fields and files are reported in order with their data", "[multipart]") {
  std::string body = "preamble to ignore\r\n" + field("a", "1") + field("empty", "") +
                     part("Content-Disposition: form-data; name=\"up\"; filename=\"a.txt\"\r\nContent-Type: text/x-c",
                          "line\r\n--xY not a boundary\r\n-xYz--xYz") +
                     closing + "epilogue, ignored";
  CHECK(parse(body) ==
        "part name=a filename=none type=text/plain data=1\n"
        "part name=empty filename=none type=text/plain data=\n"
        "part name=up filename=[a.txt] type=text/x-c data=line\r\n--xY not a boundary\r\n-xYz--xYz\n"
        "end\n");
}

TEST_CASE("names and filenames as browsers, curl and requests write them", "[multipart]") {
  auto name_of = [](std::string_view disposition) {
    return parse(part("Content-Disposition: " + std::string(disposition), "v") + closing);
  };
  CHECK(name_of("form-data; name=\"q\\\"uote\"; filename=\"C:\\\\dir\\\\f.txt\"") ==
        "part name=q\"uote filename=[C:\\dir\\f.txt] type=text/plain data=v\nend\n");
  CHECK(name_of("FORM-DATA;NAME=bare ; filename=\"\"") == "part name=bare filename=[] type=text/plain data=v\nend\n");
  CHECK(name_of("form-data; name=\"f\"; filename=\"fallback.txt\"; filename*=UTF-8''na%C3%AFve%20%E2%9C%93.txt") ==
        "part name=f filename=[na\xC3\xAFve \xE2\x9C\x93.txt] type=text/plain data=v\nend\n");
  CHECK(name_of("form-data; name=\"f\"; filename*=iso-8859-1'en'caf%E9") ==
        "part name=f filename=[caf\xC3\xA9] type=text/plain data=v\nend\n");
  CHECK(name_of("form-data; name=\"%22quoted%22\"") ==
        "part name=%22quoted%22 filename=none type=text/plain data=v\nend\n");
}

TEST_CASE("malformed bodies are errors that say what was wrong", "[multipart]") {
  auto error_of = [](const std::string& body) {
    std::string transcript = parse(body);
    return transcript.substr(transcript.rfind("error ") == std::string::npos ? 0 : transcript.rfind("error "));
  };
  const std::string prefix = "error Malformed multipart/form-data body: ";
  CHECK(error_of(field("a", "1")) == prefix + "the body ended before the closing boundary\n");
  CHECK(error_of("") == prefix + "the body ended before the closing boundary\n");
  CHECK(error_of("--" + B + "X\r\n") == prefix + "a boundary followed by something else than a line break\n");
  CHECK(error_of(part("Content-Type: text/plain", "v") + closing) == prefix + "a part without Content-Disposition\n");
  CHECK(error_of(part("Content-Disposition: attachment; name=\"a\"", "v") + closing) ==
        prefix + "a part whose Content-Disposition is not form-data\n");
  CHECK(error_of(part("Content-Disposition: form-data; filename=\"a\"", "v") + closing) ==
        prefix + "a part without a name\n");
  CHECK(error_of(part("Content-Disposition: form-data; name=\"a", "v") + closing) ==
        prefix + "a part whose Content-Disposition is not form-data\n");
  CHECK(error_of(part("Content-Disposition: form-data; name=a\r\nno colon", "v") + closing) ==
        prefix + "a part header line that is not \"Name: value\"\n");
  CHECK(error_of(part("Content-Disposition: form-data; name=a\r\n folded: x", "v") + closing) ==
        prefix + "a part header line that is not \"Name: value\"\n");
  CHECK(error_of(part("Content-Disposition: form-data; name=a; filename*=koi8-r''x", "v") + closing) ==
        prefix + "a filename* that is not UTF-8 or ISO-8859-1 charset'language'value\n");
}

TEST_CASE("part count and part header size are limited", "[multipart]") {
  MultipartLimits limits{.max_parts = 2, .max_part_header_bytes = 64};
  CHECK(parse(field("a", "1") + field("b", "2") + closing, limits) ==
        "part name=a filename=none type=text/plain data=1\npart name=b filename=none type=text/plain data=2\nend\n");
  CHECK(parse(field("a", "1") + field("b", "2") + field("c", "3") + closing, limits).ends_with(
        "error Malformed multipart/form-data body: more parts than the limit of 2\n"));
  const std::string long_name(64, 'n');
  CHECK(parse(field(long_name, "1") + closing, limits) ==
        "error Malformed multipart/form-data body: part headers larger than the limit\n");
  // Without the blank line that ends them, headers stop being read at the limit.
  CHECK(parse("--" + B + "\r\nX: " + std::string(100000, 'h'), limits) ==
        "error Malformed multipart/form-data body: part headers larger than the limit\n");
  CHECK(MultipartLimits{}.max_parts == 100);
  CHECK(MultipartLimits{}.max_part_header_bytes == 10 * 1024);
}

TEST_CASE("every body replays the same whole, cut at every point and byte by byte", "[multipart]") {
  const MultipartLimits limits = small_multipart_limits();
  const std::vector<std::pair<std::string, std::string>> corpus = {
      {"fields and a file", field("a", "1") + part("Content-Disposition: form-data; name=f; filename=x\r\n"
                                                  "Content-Type: application/octet-stream", "\r\n\r\r\n--x\r\n--xY") +
                                closing},
      {"a boundary without its CRLF before it", "--" + B + "\r\nContent-Disposition: form-data; name=a\r\n\r\nv--" +
                                                     B + "\r\n" + closing},
      {"padding after a boundary", "--" + B + " \t\r\nContent-Disposition: form-data; name=a\r\n\r\nv\r\n" + closing},
      {"an empty part body", field("a", "") + closing},
      {"a cut-short body", field("a", "123")},
      {"a cut-short delimiter", field("a", "1") + "--" + B},
      {"too many parts", field("a", "1") + field("b", "2") + field("c", "3") + field("d", "4") + closing},
      {"headers over the limit", field(std::string(200, 'n'), "1") + closing},
      {"a body of CRs and dashes", field("a", "\r\r\n\r\n-\r\n--\r\n--x\r\n--xY\r") + closing},
      {"garbage", "\r\n--\r\n--xYz\r\n\r\n\r\n--xYz--"},
  };
  for (const auto& [what, data] : corpus) {
    INFO(what);
    const std::string whole = MultipartReplay::whole(B, limits, data);
    INFO(whole);
    for (std::size_t cut = 1; cut < data.size(); ++cut) {
      INFO("cut at " << cut);
      REQUIRE(MultipartReplay::cut_at(B, limits, data, cut) == whole);
    }
    REQUIRE(MultipartReplay::in_pieces(B, limits, data, 1) == whole);
    REQUIRE(MultipartReplay::in_pieces(B, limits, data, 5) == whole);
  }
}
