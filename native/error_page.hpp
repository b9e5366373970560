// The default error pages of RequestHandler::write_error(): Tornado's HTML page, or JSON for clients that ask for it.
#pragma once

#include <exception>
#include <string>
#include <string_view>

#include <boost/json/fwd.hpp>

namespace updraft {

// Tornado's page, "<html><title>404: Not Found</title><body>404: Not Found</body></html>", the reason HTML-escaped;
// a non-empty exception (the debug setting) is added in a <pre> before </body>.
std::string html_error_page(int status, std::string_view reason, std::string_view exception);

// {"code": 404, "message": "Not Found"}, with "exception" when one is given (the debug setting).
boost::json::object json_error_page(int status, std::string_view reason, std::string_view exception);

// "type: what()" of the exception (C++ has no traceback to show), the type demangled; empty for a null pointer.
std::string describe_exception(std::exception_ptr error);

}  // namespace updraft
