// RequestHandler's render() and render_string(): the application's templates with the handler's helpers.
#include <boost/json/object.hpp>

#include "core/http/headers.hpp"
#include "native/application.hpp"
#include "native/templates.hpp"

namespace updraft {

std::string RequestHandler::render_string(std::string_view name) { return render_string(name, {}); }

std::string RequestHandler::render_string(std::string_view name, const boost::json::object& context) {
  // Called only where the template uses them: an XSRF token (and its cookie) only for pages with a form.
  TemplateFunctions helpers;
  helpers.emplace("xsrf_form_html", [this](const std::string&) { return xsrf_form_html(); });
  helpers.emplace("static_url", [this](const std::string& path) { return static_url(trim_ows(path)); });
  return application().templates().render(name, context, helpers);
}

void RequestHandler::render(std::string_view name) { finish(render_string(name)); }

void RequestHandler::render(std::string_view name, const boost::json::object& context) {
  finish(render_string(name, context));
}

}  // namespace updraft
