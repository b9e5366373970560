// Unit tests for native/xsrf: Tornado's masked token as a known answer, a fresh mask each time, the decoder's
// refusals, and the hidden form field.
#include <catch2/catch.hpp>

#include <string>

#include "native/xsrf.hpp"

using updraft::decode_xsrf_token;
using updraft::encode_xsrf_token;
using updraft::XsrfToken;

namespace {
XsrfToken counting_token() {
  std::string bytes;
  for (int b = 0; b < 16; ++b) bytes.push_back(static_cast<char>(b));
  return {bytes, 1300000000};
}
}  // namespace

TEST_CASE("encode_xsrf_token masks the token as Tornado's xsrf_token does", "[xsrf]") {
  // b"|".join([b"2", hex(mask), hex(tornado.util._websocket_mask(mask, bytes(range(16)))), b"1300000000"])
  CHECK(encode_xsrf_token(counting_token(), "\x01\x02\x03\x04") ==
        "2|01020304|0103010705070503090b090f0d0f0d0b|1300000000");
  CHECK_THROWS_AS(encode_xsrf_token(counting_token(), "\x01\x02\x03"), std::invalid_argument);
}

TEST_CASE("every encoding of a token has a new mask and decodes to the same token", "[xsrf]") {
  XsrfToken token = updraft::new_xsrf_token();
  REQUIRE(token.bytes.size() == 16);
  CHECK(updraft::new_xsrf_token().bytes != token.bytes);
  std::string first = encode_xsrf_token(token), second = encode_xsrf_token(token);
  CHECK(first != second);
  for (const auto& encoded : {first, second}) {
    auto back = decode_xsrf_token(encoded);
    REQUIRE(back);
    CHECK(back->bytes == token.bytes);
    CHECK(back->timestamp == token.timestamp);
  }
}

TEST_CASE("decode_xsrf_token reads Tornado's version 1 as hex or as the token itself", "[xsrf]") {
  CHECK(decode_xsrf_token("000102030405060708090a0b0c0d0e0f")->bytes == counting_token().bytes);
  CHECK(decode_xsrf_token("000102030405060708090A0B0C0D0E0F")->bytes == counting_token().bytes);
  CHECK(decode_xsrf_token("not hex")->bytes == "not hex");
  CHECK(decode_xsrf_token("02|x")->bytes == "02|x");  // no version number starts with 0
}

TEST_CASE("decode_xsrf_token refuses other versions and malformed version-2 tokens", "[xsrf]") {
  for (std::string bad : {"1|01020304|0103|1", "3|01020304|0103|1", "2|", "2|01020304|0103", "2|01020304|0103|1|2",
                          "2|010203|0103|1", "2|0102030405|0103|1", "2|0102030g|0103|1", "2|01020304|010|1",
                          "2|01020304|0103|", "2|01020304|0103|x1", "2|01020304|0103|99999999999999999999"}) {
    CAPTURE(bad);
    CHECK_FALSE(decode_xsrf_token(bad));
  }
  auto empty = decode_xsrf_token("2|01020304||5");  // well formed, but no token: check_xsrf_cookie refuses it
  REQUIRE(empty);
  CHECK(empty->bytes.empty());
}

TEST_CASE("xsrf_form_html is the hidden _xsrf field, its value HTML-escaped", "[xsrf]") {
  CHECK(updraft::xsrf_form_html("2|01|02|3") == "<input type=\"hidden\" name=\"_xsrf\" value=\"2|01|02|3\"/>");
  CHECK(updraft::xsrf_form_html("\"><script>&'") ==
        "<input type=\"hidden\" name=\"_xsrf\" value=\"&quot;&gt;&lt;script&gt;&amp;&#39;\"/>");
}
