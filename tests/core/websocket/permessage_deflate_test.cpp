// Unit tests for the permessage-deflate negotiation: RFC 7692's offers, several offers, the declined ones, window
// sizes, quoted values, the server's own asks, and malformed headers.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "core/websocket/permessage_deflate.hpp"

using updraft::websocket::DeflateOptions;
using updraft::websocket::negotiate_deflate;

namespace {
const DeflateOptions kEnabled{.enabled = true};

// The response to offers, or "declined".
std::string answer(std::string_view offers, const DeflateOptions& options = kEnabled) {
  auto agreement = negotiate_deflate(offers, options);
  return agreement ? agreement->response : "declined";
}
}  // namespace

TEST_CASE("offers are answered as RFC 7692 describes", "[websocket][deflate]") {
  struct Case {
    const char* offers;
    const char* response;
  };
  const Case cases[] = {
      {"permessage-deflate", "permessage-deflate"},  // Firefox's offer
      // Chrome's: a client_max_window_bits without a value only says the client could take one (RFC 7692 7.1.2.2).
      {"permessage-deflate; client_max_window_bits", "permessage-deflate"},
      {"permessage-deflate; client_max_window_bits=10", "permessage-deflate; client_max_window_bits=10"},
      {"permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits=10"},
      {"permessage-deflate; server_max_window_bits=8", "permessage-deflate; server_max_window_bits=8"},
      {"permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover"},
      {"permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover"},
      {"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; "
       "client_max_window_bits=12",
       "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; "
       "client_max_window_bits=12"},
      // RFC 7692 5.2's example: the first offer, which the server can take, wins over the fallback.
      {"permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; "
       "client_max_window_bits",
       "permessage-deflate; server_max_window_bits=10"},
      // Other extensions are skipped, before or after.
      {"x-webkit-deflate-frame, permessage-deflate; server_no_context_takeover, foo; bar=\"baz, qux\"",
       "permessage-deflate; server_no_context_takeover"},
      // Spaces around separators, empty list elements, names in any case.
      {"  ,permessage-deflate ;  Server_No_Context_Takeover ; server_max_window_bits = 11 ,, ",
       "permessage-deflate; server_no_context_takeover; server_max_window_bits=11"},
      {"PerMessage-Deflate", "permessage-deflate"},
      // Quoted values, read unquoted (a backslash escapes the next character).
      {"permessage-deflate; server_max_window_bits=\"10\"", "permessage-deflate; server_max_window_bits=10"},
      {"permessage-deflate; client_max_window_bits=\"1\\5\"", "permessage-deflate; client_max_window_bits=15"},
      {"", "declined"},
      {"x-webkit-deflate-frame", "declined"},
  };
  for (const Case& c : cases) {
    INFO(c.offers);
    CHECK(answer(c.offers) == c.response);
  }
}

TEST_CASE("an unacceptable offer is declined and the next one tried", "[websocket][deflate]") {
  const char* unacceptable[] = {
      "permessage-deflate; foo",
      "permessage-deflate; foo=1",
      "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
      "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
      "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10",
      "permessage-deflate; server_no_context_takeover=1",
      "permessage-deflate; client_no_context_takeover=\"\"",
      "permessage-deflate; server_max_window_bits",
      "permessage-deflate; server_max_window_bits=7",
      "permessage-deflate; server_max_window_bits=16",
      "permessage-deflate; server_max_window_bits=08",
      "permessage-deflate; server_max_window_bits=015",
      "permessage-deflate; client_max_window_bits=0",
      "permessage-deflate; client_max_window_bits=abc",
      "permessage-deflate; client_max_window_bits=\"\"",
      "permessage-deflate; client_max_window_bits=\" 9\"",
      "permessage-deflate; server_max_window_bits=1e1",
  };
  for (const char* offer : unacceptable) {
    INFO(offer);
    CHECK(answer(offer) == "declined");
    CHECK(answer(std::string(offer) + ", permessage-deflate; client_no_context_takeover") ==
          "permessage-deflate; client_no_context_takeover");
  }
}

TEST_CASE("a malformed header accepts nothing, even after an acceptable offer", "[websocket][deflate]") {
  const char* malformed[] = {
      "permessage-deflate;",
      "permessage-deflate; ; server_no_context_takeover",
      "permessage-deflate; server_max_window_bits=",
      "permessage-deflate; server_max_window_bits=\"10",
      "permessage-deflate; server_max_window_bits=\"10\\",
      "permessage-deflate; server_max_window_bits=10 11",
      "permessage-deflate permessage-deflate",
      "permessage-deflate, x=1",
      "permessage-deflate, foo; bar=\"a\x01b\"",
      "permessage-deflate, foo; bar=a\"b\"",
      "permessage-deflate, ;foo",
      "permessage-deflate, {}",
  };
  for (const char* header : malformed) {
    INFO(header);
    CHECK(answer(header) == "declined");
  }
}

TEST_CASE("the server's options shape the agreement", "[websocket][deflate]") {
  CHECK(answer("permessage-deflate", DeflateOptions{}) == "declined");  // compression is off by default

  const DeflateOptions no_takeover{
      .enabled = true, .server_no_context_takeover = true, .client_no_context_takeover = true};
  auto agreement = negotiate_deflate("permessage-deflate", no_takeover);
  REQUIRE(agreement);
  CHECK(agreement->response == "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
  CHECK(agreement->parameters.server_no_context_takeover);
  CHECK(agreement->parameters.client_no_context_takeover);

  // The server's smaller windows: its own always said, the client's only if the client allows it.
  const DeflateOptions small_windows{.enabled = true, .server_max_window_bits = 10, .client_max_window_bits = 9};
  agreement = negotiate_deflate("permessage-deflate", small_windows);
  REQUIRE(agreement);
  CHECK(agreement->response == "permessage-deflate; server_max_window_bits=10");
  CHECK(agreement->parameters.server_max_window_bits == 10);
  CHECK(agreement->parameters.client_max_window_bits == 15);
  agreement = negotiate_deflate("permessage-deflate; client_max_window_bits", small_windows);
  REQUIRE(agreement);
  CHECK(agreement->response == "permessage-deflate; server_max_window_bits=10; client_max_window_bits=9");
  CHECK(agreement->parameters.client_max_window_bits == 9);

  // The smaller of the two windows.
  CHECK(answer("permessage-deflate; server_max_window_bits=12; client_max_window_bits=8", small_windows) ==
        "permessage-deflate; server_max_window_bits=10; client_max_window_bits=8");
  CHECK(answer("permessage-deflate; server_max_window_bits=9; client_max_window_bits=14", small_windows) ==
        "permessage-deflate; server_max_window_bits=9; client_max_window_bits=9");

  // The defaults: both sides keep their context and a 15-bit window.
  agreement = negotiate_deflate("permessage-deflate", kEnabled);
  REQUIRE(agreement);
  CHECK_FALSE(agreement->parameters.server_no_context_takeover);
  CHECK_FALSE(agreement->parameters.client_no_context_takeover);
  CHECK(agreement->parameters.server_max_window_bits == 15);
  CHECK(agreement->parameters.client_max_window_bits == 15);
}

TEST_CASE("options out of zlib's ranges are refused", "[websocket][deflate]") {
  CHECK_THROWS_AS(negotiate_deflate("permessage-deflate", {.enabled = true, .compression_level = 10}),
                  std::invalid_argument);
  CHECK_THROWS_AS(negotiate_deflate("permessage-deflate", {.enabled = true, .memory_level = 0}),
                  std::invalid_argument);
  CHECK_THROWS_AS(negotiate_deflate("permessage-deflate", {.enabled = true, .server_max_window_bits = 7}),
                  std::invalid_argument);
  CHECK_THROWS_AS(negotiate_deflate("permessage-deflate", {.enabled = true, .client_max_window_bits = 16}),
                  std::invalid_argument);
}
