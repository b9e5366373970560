// Unit tests for the default error pages: Tornado's HTML, JSON, escaping, the exception only when given.
#include <catch2/catch.hpp>

#include <stdexcept>

#include <boost/json.hpp>

#include "native/error_page.hpp"
#include "native/http_error.hpp"

using namespace updraft;

TEST_CASE("the HTML page is Tornado's, its reason escaped", "[error_page]") {
  CHECK(html_error_page(404, "Not Found", "") == "<html><title>404: Not Found</title><body>404: Not Found</body></html>");
  CHECK(html_error_page(400, "Missing argument <b>", "") ==
        "<html><title>400: Missing argument &lt;b&gt;</title><body>400: Missing argument &lt;b&gt;</body></html>");
  CHECK(html_error_page(500, "Internal Server Error", "std::runtime_error: <boom>") ==
        "<html><title>500: Internal Server Error</title><body>500: Internal Server Error"
        "<pre>std::runtime_error: &lt;boom&gt;</pre></body></html>");
}

TEST_CASE("the JSON page has code and message, and the exception only when given", "[error_page]") {
  CHECK(boost::json::serialize(json_error_page(404, "Not Found", "")) == R"({"code":404,"message":"Not Found"})");
  CHECK(json_error_page(500, "Internal Server Error", "std::logic_error: x") ==
        boost::json::object{{"code", 500}, {"message", "Internal Server Error"}, {"exception", "std::logic_error: x"}});
}

TEST_CASE("describe_exception names the exception's type and message", "[error_page]") {
  CHECK(describe_exception(nullptr).empty());
  CHECK(describe_exception(std::make_exception_ptr(std::runtime_error("boom"))) == "std::runtime_error: boom");
  CHECK(describe_exception(std::make_exception_ptr(HTTPError(503, "queue full"))) == "updraft::HTTPError: queue full");
  CHECK(describe_exception(std::make_exception_ptr(42)) == "an exception of a type not derived from std::exception");
}
