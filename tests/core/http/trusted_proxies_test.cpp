// Unit tests for TrustedProxies and IpAddress: addresses and CIDR blocks of both families, '*', unix-socket peers.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "core/http/trusted_proxies.hpp"

using updraft::IpAddress;
using updraft::TrustedProxies;

TEST_CASE("IpAddress reads dotted quads and IPv6 text, and writes them canonically") {
  CHECK(IpAddress::parse("192.0.2.1")->to_string() == "192.0.2.1");
  CHECK(IpAddress::parse("2001:DB8:0::1")->to_string() == "2001:db8::1");
  CHECK(IpAddress::parse("::ffff:192.0.2.1")->unmapped().to_string() == "192.0.2.1");
  CHECK(IpAddress::parse("2001:db8::1")->unmapped().v6);
  for (const char* bad : {"", "192.0.2", "192.0.2.1.5", "192.0.2.256", "[::1]", "::1%lo", "example.com", " 192.0.2.1",
                          "2001:db8::1::2", "0123456789012345678901234567890123456789012345678"}) {
    INFO(bad);
    CHECK_FALSE(IpAddress::parse(bad));
  }
}

TEST_CASE("TrustedProxies matches addresses and CIDR blocks of either family") {
  TrustedProxies trusted("127.0.0.1, 10.0.0.0/8,192.168.1.128/25,::1,fd00::/8 , 2001:db8::/127");
  CHECK(trusted.contains("127.0.0.1"));
  CHECK_FALSE(trusted.contains("127.0.0.2"));
  CHECK(trusted.contains("10.255.0.9"));
  CHECK_FALSE(trusted.contains("11.0.0.1"));
  CHECK(trusted.contains("192.168.1.200"));
  CHECK_FALSE(trusted.contains("192.168.1.127"));
  CHECK(trusted.contains("::1"));
  CHECK(trusted.contains("fdab::5"));
  CHECK_FALSE(trusted.contains("fe80::1"));
  CHECK(trusted.contains("2001:db8::1"));
  CHECK_FALSE(trusted.contains("2001:db8::2"));
  CHECK(trusted.contains("::ffff:10.1.2.3"));  // a dual-stack socket's IPv4 peer
  CHECK_FALSE(trusted.contains("::ffff:11.1.2.3"));
  CHECK(trusted.contains(""));  // a unix socket's peer, as in gunicorn
  CHECK_FALSE(trusted.contains("not an address"));
  CHECK(trusted.text() == "127.0.0.1, 10.0.0.0/8,192.168.1.128/25,::1,fd00::/8 , 2001:db8::/127");
}

TEST_CASE("TrustedProxies: '*' trusts every peer, an empty list none but unix sockets, /0 a whole family") {
  CHECK(TrustedProxies("*").contains("203.0.113.7"));
  CHECK(TrustedProxies("*").contains("2001:db8::9"));
  CHECK_FALSE(TrustedProxies("").contains("127.0.0.1"));
  CHECK_FALSE(TrustedProxies().contains("127.0.0.1"));
  CHECK(TrustedProxies().contains(""));
  CHECK(TrustedProxies("0.0.0.0/0").contains("203.0.113.7"));
  CHECK_FALSE(TrustedProxies("0.0.0.0/0").contains("2001:db8::9"));
  CHECK(TrustedProxies("::ffff:10.0.0.0/104").contains("10.9.9.9"));
  CHECK(TrustedProxies("10.0.0.1/8").contains("10.9.9.9"));  // host bits are ignored
}

TEST_CASE("TrustedProxies refuses what it cannot read, naming the entry") {
  for (const char* bad : {"localhost", "127.0.0.1/33", "::1/129", "10.0.0.0/", "10.0.0.0/8x", "10.0.0.0/-1",
                          "127.0.0.1,example.com", "[::1]"}) {
    INFO(bad);
    CHECK_THROWS_AS(TrustedProxies(bad), std::invalid_argument);
  }
  CHECK_THROWS_WITH(TrustedProxies("127.0.0.1, nope"), "not an IP address or CIDR block: 'nope'");
}
