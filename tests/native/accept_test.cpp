// Unit tests for Accept negotiation: qualities by the most specific range, malformed qvalues, JSON versus HTML.
#include <catch2/catch.hpp>

#include "native/accept.hpp"

using namespace updraft;

TEST_CASE("accept_quality takes the most specific matching range", "[accept]") {
  CHECK(accept_quality("application/json", "application/json") == 1);
  CHECK(accept_quality("text/html", "application/json") == 0);
  CHECK(accept_quality("", "application/json") == 0);
  CHECK(accept_quality("*/*;q=0.1, application/*;q=0.5", "application/json") == 0.5);
  CHECK(accept_quality("application/json;q=0.2, application/*;q=0.9, */*", "application/json") == Approx(0.2));
  CHECK(accept_quality("TEXT/HTML ; Q=0.7", "text/html") == Approx(0.7));
  CHECK(accept_quality("text/html;level=1;q=0.3", "text/html") == Approx(0.3));
  CHECK(accept_quality("application/jsonx, applicationx/*", "application/json") == 0);
}

TEST_CASE("a malformed qvalue makes its range unacceptable", "[accept]") {
  for (const char* accept : {"application/json;q=2", "application/json;q=1.5", "application/json;q=0.12345",
                             "application/json;q=", "application/json;q=abc", "application/json;q=-1"}) {
    INFO(accept);
    CHECK(accept_quality(accept, "application/json") == 0);
  }
  CHECK(accept_quality("application/json;q=1.000", "application/json") == 1);
  CHECK(accept_quality("application/json;q=0.125", "application/json") == Approx(0.125));
}

TEST_CASE("prefers_json: API clients yes, browsers, curl and no header no", "[accept]") {
  CHECK(prefers_json("application/json"));
  CHECK(prefers_json("application/json, text/plain, */*"));  // axios: JSON named, HTML only through */*
  CHECK(prefers_json("text/html;q=0.5, application/json"));
  CHECK_FALSE(prefers_json(std::nullopt));
  CHECK_FALSE(prefers_json("*/*"));
  CHECK_FALSE(prefers_json("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"));
  CHECK_FALSE(prefers_json("application/json;q=0.5, text/html"));
  CHECK_FALSE(prefers_json("application/json, text/html"));  // a tie, both named: HTML
  CHECK_FALSE(prefers_json("application/*, text/*"));        // a tie, both through their type's wildcard: HTML
  CHECK_FALSE(prefers_json(",,;;,=q;q"));
}
