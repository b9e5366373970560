// Unit tests for native/escape: hex and base64 round trips and the strict decoders' refusals.
#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include "native/escape.hpp"

using updraft::base64_decode;
using updraft::base64_encode;
using updraft::hex_decode;
using updraft::hex_encode;

TEST_CASE("base64 matches RFC 4648's test vectors both ways", "[escape]") {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    CHECK(base64_encode(plain) == encoded);
    CHECK(base64_decode(encoded) == plain);
  }
  std::string any_bytes;
  for (int b = 255; b >= 0; --b) any_bytes.push_back(static_cast<char>(b));
  CHECK(base64_decode(base64_encode(any_bytes)) == any_bytes);
  CHECK(base64_encode("\xfb\xff") == "+/8=");
}

TEST_CASE("base64_decode refuses what base64_encode never writes", "[escape]") {
  for (std::string bad : {"Zg", "Zg=", "Zh==", "Zm9=", "Z===", "====", "Zg==Zg==", "Zm 9v", "Zm9v\n", "Zm-_", "Z=g="}) {
    CAPTURE(bad);
    CHECK_FALSE(base64_decode(bad));
  }
}

TEST_CASE("hex encodes lower case and decodes either case", "[escape]") {
  CHECK(hex_encode(std::string("\x00\x1f\xab\xff", 4)) == "001fabff");
  CHECK(hex_decode("001fABff") == std::string("\x00\x1f\xab\xff", 4));
  CHECK_FALSE(hex_decode("abc"));
  CHECK_FALSE(hex_decode("0g"));
  CHECK(hex_decode("") == "");
}

TEST_CASE("xhtml_escape escapes the five characters HTML needs", "[escape]") {
  CHECK(updraft::xhtml_escape("<a href=\"x\">Tom & Jerry's</a>") ==
        "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
  CHECK(updraft::xhtml_escape("plain") == "plain");
}
