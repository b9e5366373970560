// Unit tests for Accept-Encoding negotiation (native/accept_encoding.hpp): q-values, *, aliases, malformed items.
#include <catch2/catch.hpp>

#include <string>

#include "native/accept_encoding.hpp"

using namespace updraft;

namespace {
std::string pick(std::string_view header, bool gzip = true, bool br = true) {
  return std::string(content_coding_name(negotiate_content_coding(header, gzip, br)));
}
}  // namespace

TEST_CASE("Accept-Encoding: what clients send", "[accept_encoding]") {
  CHECK(pick("") == "identity");
  CHECK(pick("gzip") == "gzip");
  CHECK(pick("gzip, deflate") == "gzip");                  // Python requests without brotli
  CHECK(pick("gzip, deflate, br") == "br");                // browsers: a tie, br wins
  CHECK(pick("deflate, gzip, br, zstd") == "br");          // curl --compressed
  CHECK(pick("br") == "br");
  CHECK(pick("identity") == "identity");
  CHECK(pick("deflate") == "identity");
  CHECK(pick("x-gzip") == "gzip");
  CHECK(pick("GZIP") == "gzip");
  CHECK(pick("Br") == "br");
}

TEST_CASE("Accept-Encoding: q-values decide, q=0 refuses", "[accept_encoding]") {
  CHECK(pick("gzip;q=1.0, br;q=0.5") == "gzip");
  CHECK(pick("gzip;q=0.5, br;q=0.8") == "br");
  CHECK(pick("gzip;q=0.501, br;q=0.5") == "gzip");  // three decimals count
  CHECK(pick("gzip;q=0") == "identity");
  CHECK(pick("gzip;q=0.000") == "identity");
  CHECK(pick("br;q=0, gzip") == "gzip");
  CHECK(pick("br;q=0, gzip;q=0") == "identity");
  CHECK(pick("gzip ; Q=0.2 , br ; q = 0.1") == "gzip");  // whitespace and a capital Q
  CHECK(pick("gzip;level=9;q=0.3, br;q=0.2") == "gzip");  // another parameter is ignored
}

TEST_CASE("Accept-Encoding: * stands for codings not named", "[accept_encoding]") {
  CHECK(pick("*") == "br");
  CHECK(pick("*;q=0") == "identity");
  CHECK(pick("gzip, *;q=0") == "gzip");
  CHECK(pick("br;q=0, *") == "gzip");
  CHECK(pick("*;q=0.5, gzip;q=0.6") == "gzip");
}

TEST_CASE("Accept-Encoding: codings not offered", "[accept_encoding]") {
  CHECK(pick("gzip, br", true, false) == "gzip");
  CHECK(pick("br", true, false) == "identity");
  CHECK(pick("gzip, br", false, true) == "br");
}

TEST_CASE("Accept-Encoding: malformed items are skipped, the rest counts", "[accept_encoding]") {
  CHECK(pick("gzip;q=2") == "identity");
  CHECK(pick("gzip;q=1.5") == "identity");
  CHECK(pick("gzip;q=1.001") == "identity");
  CHECK(pick("gzip;q=0.1234") == "identity");
  CHECK(pick("gzip;q=-1") == "identity");
  CHECK(pick("gzip;q=") == "identity");
  CHECK(pick("gzip;q") == "identity");
  CHECK(pick("gzip;q=0.5x") == "identity");
  CHECK(pick("br;q=abc, gzip") == "gzip");
  CHECK(pick(",,, ;q=1, gzip,") == "gzip");
  CHECK(pick(";;;") == "identity");
  CHECK(pick("gzip;;") == "identity");
  CHECK(pick(std::string(10000, ',') + "gzip") == "gzip");
}
