// Templates: Mustache templates read from one directory (Tornado's template_path), cached, rendered HTML-escaped.
//
//   Templates templates("templates");
//   templates.render("hello.html", {{"name", "<b>"}});  // "Hello, {{name}}" -> "Hello, &lt;b&gt;"
//
// The engine is kainjow's Mustache (Debian's libkainjow-mustache-dev), kept out of this header.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/json/fwd.hpp>

namespace updraft {

// A template that cannot be rendered: missing, unreadable, a syntax error, a name outside the directory. Its what()
// names the template and says what is wrong.
class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A Mustache lambda: {{name}} or {{{name}}} calls it with "", {{#name}}text{{/name}} with "text"; what it returns is
// rendered in place ({{name}} escapes it, the other two forms do not).
using TemplateFunction = std::function<std::string(const std::string& text)>;
using TemplateFunctions = std::map<std::string, TemplateFunction, std::less<>>;

class Templates {
 public:
  // Templates are the files under directory (not read until used).
  explicit Templates(std::string directory);
  ~Templates();
  Templates(const Templates&) = delete;
  Templates& operator=(const Templates&) = delete;

  // Renders the template `name` (a path relative to the directory) with context: {{x}} is the value HTML-escaped
  // (xhtml_escape), {{{x}}} as it is, {{#x}}...{{/x}} a section (an array repeats it, an object opens its members,
  // false, null and [] skip it), {{> other.html}} a partial from the same directory, with the same context. Numbers
  // are written as JSON writes them. functions are lambdas seen beside the context (the context wins on a clash).
  // Throws TemplateError for a missing or malformed template or partial, or a name with ".." or a leading '/'.
  std::string render(std::string_view name, const boost::json::object& context,
                     const TemplateFunctions& functions = {}) const;

  // The text of template `name`, read from the file and checked for Mustache syntax on first use, then kept for the
  // life of the Templates (later changes to the file are not seen). Throws TemplateError as render() does.
  const std::string& source(std::string_view name) const;

  const std::string& directory() const { return directory_; }

 private:
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::string directory_;
  std::uint64_t id_;  // names this Templates in each thread's parsed copies
  // Thread safety: one Templates serves every loop thread. Each template is read and checked at its first use, under
  // the unique lock, and never changes or leaves the map afterwards (renders hold a reference to its text); lookups
  // take the shared lock. A parsed kainjow template is not safe to render from two threads at once (rendering writes
  // its error state), so each thread parses its own copy once and keeps it (templates.cpp); kainjow parses partials
  // again at each inclusion whatever we do.
  mutable std::shared_mutex mutex_;
  mutable std::unordered_map<std::string, std::unique_ptr<const std::string>, NameHash, std::equal_to<>> sources_;
};

}  // namespace updraft
