// The default error pages: HTML (escaped) or JSON, with the exception only when the caller passes one.
#include "native/error_page.hpp"

#include <typeinfo>

#include <boost/core/demangle.hpp>
#include <boost/json/object.hpp>

#include "native/escape.hpp"

namespace updraft {

std::string html_error_page(int status, std::string_view reason, std::string_view exception) {
  std::string heading = std::to_string(status) + ": " + xhtml_escape(reason);
  std::string page = "<html><title>" + heading + "</title><body>" + heading;
  if (!exception.empty()) page.append("<pre>").append(xhtml_escape(exception)).append("</pre>");
  return page.append("</body></html>");
}

boost::json::object json_error_page(int status, std::string_view reason, std::string_view exception) {
  boost::json::object page{{"code", status}, {"message", reason}};
  if (!exception.empty()) page["exception"] = exception;
  return page;
}

std::string describe_exception(std::exception_ptr error) {
  if (!error) return {};
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return boost::core::demangle(typeid(e).name()) + ": " + e.what();
  } catch (...) {
    return "an exception of a type not derived from std::exception";
  }
}

}  // namespace updraft
