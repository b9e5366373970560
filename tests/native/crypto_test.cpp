// Unit tests for native/crypto: RFC 4231's HMAC-SHA256 vectors, random bytes, the constant-time comparison.
#include <catch2/catch.hpp>

#include <string>

#include "native/crypto.hpp"
#include "native/escape.hpp"

using updraft::hex_encode;
using updraft::hmac_sha256;

TEST_CASE("hmac_sha256 gives RFC 4231's test vectors", "[crypto]") {
  CHECK(hex_encode(hmac_sha256(std::string(20, '\x0b'), "Hi There")) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(hex_encode(hmac_sha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // A key longer than the block (131 bytes) is hashed first.
  CHECK(hex_encode(hmac_sha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  CHECK(hmac_sha256("", "").size() == 32);
}

TEST_CASE("random_bytes gives as many bytes as asked, different each time", "[crypto]") {
  CHECK(updraft::random_bytes(0).empty());
  std::string a = updraft::random_bytes(32), b = updraft::random_bytes(32);
  CHECK(a.size() == 32);
  CHECK(a != b);
}

TEST_CASE("constant_time_equals compares whole strings", "[crypto]") {
  CHECK(updraft::constant_time_equals("", ""));
  CHECK(updraft::constant_time_equals(std::string("a\0b", 3), std::string("a\0b", 3)));
  CHECK_FALSE(updraft::constant_time_equals(std::string("a\0b", 3), std::string("a\0c", 3)));
  CHECK_FALSE(updraft::constant_time_equals("abc", "ab"));
  CHECK_FALSE(updraft::constant_time_equals("", "a"));
}
