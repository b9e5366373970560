// Unit tests for native/signed_value: Tornado 6.2's create_signed_value output as known answers, and every way a
// value must fail to verify (forged, renamed, expired, wrong key version, malformed).
#include <catch2/catch.hpp>

#include <chrono>
#include <stdexcept>
#include <string>

#include "native/crypto.hpp"
#include "native/escape.hpp"
#include "native/signed_value.hpp"

using updraft::CookieSecret;
using updraft::create_signed_value;
using updraft::decode_signed_value;

namespace {
const auto kSigned = std::chrono::system_clock::time_point(std::chrono::seconds(1300000000));
const auto kDay = std::chrono::hours(24);

// tornado.web.create_signed_value("secret", "user", "Ann", clock=lambda: 1300000000)
const std::string kTornadoAnn =
    "2|1:0|10:1300000000|4:user|4:QW5u|862b10acca2f9e45e32ed63daae78ad33545374acaf553e90c4d1b64d3d01838";
// tornado.web.create_signed_value({1: "old", 2: "new"}, "user", b"\x00\xff bytes", clock=..., key_version=2)
const std::string kTornadoKeyVersion2 =
    "2|1:2|10:1300000000|4:user|12:AP8gYnl0ZXM=|e579c4a39338e3a2be007ec84de8537ddfea810df7bee264239128ed6972b761";
}  // namespace

TEST_CASE("create_signed_value writes what Tornado's create_signed_value writes", "[signed_value]") {
  CHECK(create_signed_value(CookieSecret("secret"), "user", "Ann", kSigned) == kTornadoAnn);
  CookieSecret rotated({{1, "old"}, {2, "new"}}, 2);
  CHECK(create_signed_value(rotated, "user", std::string("\0\xff bytes", 8), kSigned) == kTornadoKeyVersion2);
  CHECK(create_signed_value(CookieSecret("secret"), "user", "", kSigned) ==
        "2|1:0|10:1300000000|4:user|0:|c35392a0dbacf6b1f87a6082c9298b89208bb553d7c0eec55edaf30fa4dba337");
}

TEST_CASE("decode_signed_value reads Tornado's values, any bytes included", "[signed_value]") {
  CHECK(decode_signed_value(CookieSecret("secret"), "user", kTornadoAnn, 31, kSigned + kDay) == "Ann");
  CookieSecret rotated({{1, "old"}, {2, "new"}}, 1);  // now signing with 1, still reading 2
  CHECK(decode_signed_value(rotated, "user", kTornadoKeyVersion2, 31, kSigned) == std::string("\0\xff bytes", 8));
  std::string any_bytes;
  for (int b = 0; b < 256; ++b) any_bytes.push_back(static_cast<char>(b));
  CookieSecret secret("s3cr3t");
  CHECK(decode_signed_value(secret, "n", create_signed_value(secret, "n", any_bytes, kSigned), 31, kSigned) ==
        any_bytes);
}

TEST_CASE("decode_signed_value refuses forged, renamed, expired and wrongly keyed values", "[signed_value]") {
  CookieSecret secret("secret");
  auto decode = [&](const std::string& value) { return decode_signed_value(secret, "user", value, 31, kSigned); };
  REQUIRE(decode(kTornadoAnn) == "Ann");

  SECTION("another secret") {
    CHECK_FALSE(decode_signed_value(CookieSecret("Secret"), "user", kTornadoAnn, 31, kSigned));
  }
  SECTION("a changed signature, or one cut short or made longer") {
    std::string forged = kTornadoAnn;
    forged.back() = forged.back() == '8' ? '9' : '8';
    CHECK_FALSE(decode(forged));
    CHECK_FALSE(decode(kTornadoAnn.substr(0, kTornadoAnn.size() - 1)));
    CHECK_FALSE(decode(kTornadoAnn + "0"));
    CHECK_FALSE(decode(kTornadoAnn.substr(0, kTornadoAnn.rfind('|') + 1)));
  }
  SECTION("a changed value with the old signature") {
    std::string forged = kTornadoAnn;
    forged.replace(forged.find("QW5u"), 4, "Qm9i");  // "Bob"
    CHECK_FALSE(decode(forged));
  }
  SECTION("the value under another cookie name") {
    CHECK_FALSE(decode_signed_value(secret, "admin", kTornadoAnn, 31, kSigned));
    CHECK_FALSE(decode_signed_value(secret, "use", kTornadoAnn, 31, kSigned));
  }
  SECTION("older than max_age_days") {
    CHECK(decode_signed_value(secret, "user", kTornadoAnn, 31, kSigned + 31 * kDay) == "Ann");
    CHECK_FALSE(decode_signed_value(secret, "user", kTornadoAnn, 31, kSigned + 31 * kDay + std::chrono::seconds(1)));
    CHECK_FALSE(decode_signed_value(secret, "user", kTornadoAnn, 0.5, kSigned + kDay));
  }
  SECTION("a key version the map does not hold, or signed with another version's secret") {
    CookieSecret only_old({{1, "old"}}, 1);
    CHECK_FALSE(decode_signed_value(only_old, "user", kTornadoKeyVersion2, 31, kSigned));
    CookieSecret swapped({{1, "new"}, {2, "old"}}, 1);
    CHECK_FALSE(decode_signed_value(swapped, "user", kTornadoKeyVersion2, 31, kSigned));
  }
  SECTION("not version 2, or fields that do not parse") {
    const std::string malformed[] = {"",
                                     "2|",
                                     "1|" + kTornadoAnn.substr(2),
                                     "3" + kTornadoAnn.substr(1),
                                     "QW5u|1300000000|abc",
                                     "2|1:0|10:1300000000|4:user|5:QW5u|",
                                     "2|01:0|10:1300000000|4:user|4:QW5u|x",
                                     "2|1:0|99999999999999999999:1|",
                                     "2|-1:0|",
                                     "2|1:0|10:13000000004:user|4:QW5u|x"};
    for (const auto& bad : malformed) {
      CAPTURE(bad);
      CHECK_FALSE(decode(bad));
    }
  }
}

TEST_CASE("decode_signed_value refuses a correctly signed value whose base64 is not canonical", "[signed_value]") {
  CookieSecret secret("secret");
  auto signed_with = [](std::string_view key, const std::string& value) {
    std::string to_sign = "2|1:0|10:1300000000|4:user|" + std::to_string(value.size()) + ":" + value + "|";
    return to_sign + updraft::hex_encode(updraft::hmac_sha256(key, to_sign));
  };
  REQUIRE(signed_with("secret", "QW5u") == kTornadoAnn);
  for (std::string value : {"QW5", "QW5u=", "QR==", "Q===", "QW 5u", "QW5u\n", "=QW5"}) {
    CAPTURE(value);
    CHECK_FALSE(decode_signed_value(secret, "user", signed_with("secret", value), 31, kSigned));
  }
}

TEST_CASE("CookieSecret refuses a key_version it has no secret for, and empty secrets", "[signed_value]") {
  CHECK_THROWS_AS(CookieSecret({{1, "a"}}, 2), std::invalid_argument);
  CHECK_THROWS_AS(CookieSecret(""), std::invalid_argument);
  CHECK_THROWS_AS(CookieSecret({{1, "a"}, {2, ""}}, 1), std::invalid_argument);
  CookieSecret single("s");
  CHECK(single.key_version() == 0);
  CHECK(single.verifying_secret(7) == single.verifying_secret(0));  // one secret reads every key version, as Tornado
}
