// describe_peer: an accepted socket's peer address as text, as inet_ntop writes it, and its port.
#include "core/net/peer_address.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>


using namespace updraft;

namespace {

sockaddr_storage ipv4(const char* text, std::uint16_t port) {
  sockaddr_storage storage{};
  auto* in4 = reinterpret_cast<sockaddr_in*>(&storage);
  in4->sin_family = AF_INET;
  in4->sin_port = htons(port);
  REQUIRE(::inet_pton(AF_INET, text, &in4->sin_addr) == 1);
  return storage;
}

}  // namespace

TEST_CASE("an IPv4 peer reads as inet_ntop writes it, for octets of every width", "[peer_address]") {
  for (const char* text : {"0.0.0.0", "127.0.0.1", "10.200.3.45", "255.255.255.255", "192.0.2.100", "1.22.0.9"}) {
    std::string address;
    std::uint16_t port = 0;
    CHECK(describe_peer(ipv4(text, 40123), address, port));
    CHECK(address == text);
    CHECK(port == 40123);
  }
}

TEST_CASE("an IPv6 peer reads in its canonical text", "[peer_address]") {
  sockaddr_storage storage{};
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
  in6->sin6_family = AF_INET6;
  in6->sin6_port = htons(8443);
  REQUIRE(::inet_pton(AF_INET6, "2001:0db8:0:0:0:0:0:0001", &in6->sin6_addr) == 1);
  std::string address;
  std::uint16_t port = 0;
  CHECK(describe_peer(storage, address, port));
  CHECK(address == "2001:db8::1");
  CHECK(port == 8443);
}

TEST_CASE("a unix socket's peer has no address", "[peer_address]") {
  sockaddr_storage storage{};
  reinterpret_cast<sockaddr_un*>(&storage)->sun_family = AF_UNIX;
  std::string address = "unchanged";
  std::uint16_t port = 7;
  CHECK_FALSE(describe_peer(storage, address, port));
  CHECK(address == "unchanged");
  CHECK(port == 7);
}
