// Templates: reads and caches Mustache templates, converts a JSON context to kainjow's data and renders it.
#include "native/templates.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <kainjow/mustache.hpp>

#include "native/escape.hpp"

namespace updraft {

namespace mustache = kainjow::mustache;

namespace {
mustache::data to_data(const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      return mustache::data(false);
    case boost::json::kind::bool_:
      return mustache::data(value.get_bool());
    case boost::json::kind::int64:
      return mustache::data(std::to_string(value.get_int64()));
    case boost::json::kind::uint64:
      return mustache::data(std::to_string(value.get_uint64()));
    case boost::json::kind::double_: {
      char digits[32];  // the shortest text that reads back as the same double: 0.5, not Boost.JSON's 5E-1
      auto end = std::to_chars(digits, digits + sizeof digits, value.get_double()).ptr;
      return mustache::data(std::string(digits, end));
    }
    case boost::json::kind::string:
      return mustache::data(std::string(value.get_string()));
    case boost::json::kind::array: {
      mustache::data list(mustache::data::type::list);
      for (const auto& item : value.get_array()) list.push_back(to_data(item));
      return list;
    }
    case boost::json::kind::object:
      break;
  }
  mustache::data object(mustache::data::type::object);
  for (const auto& member : value.get_object()) object.set(std::string(member.key()), to_data(member.value()));
  return object;
}

// Template names are paths under the directory, without any ".." (so none climbs out of it).
void check_name(std::string_view name) {
  bool climbs = name == ".." || name.starts_with("../") || name.ends_with("/..") ||
                name.find("/../") != std::string_view::npos;
  if (name.empty() || name.front() == '/' || climbs || name.find('\0') != std::string_view::npos)
    throw TemplateError("template name \"" + std::string(name) + "\" is not a path inside the template directory");
}

// A context whose partials ({{> name}}) are the templates of the same directory.
class TemplateContext final : public mustache::context<std::string> {
 public:
  TemplateContext(const Templates& templates, const mustache::data* root)
      : mustache::context<std::string>(root), templates_(templates) {}

  const mustache::data* get_partial(const std::string& name) const override {
    auto it = partials_.find(name);
    if (it == partials_.end()) it = partials_.emplace(name, mustache::data(templates_.source(name))).first;
    return &it->second;
  }

 private:
  const Templates& templates_;
  mutable std::map<std::string, mustache::data, std::less<>> partials_;  // this render's, by name
};
}  // namespace

Templates::Templates(std::string directory) : directory_(std::move(directory)) {}

Templates::~Templates() = default;

const std::string& Templates::source(std::string_view name) const {
  {
    std::shared_lock lock(mutex_);
    if (auto it = sources_.find(name); it != sources_.end()) return *it->second;
  }
  check_name(name);
  std::unique_lock lock(mutex_);
  if (auto it = sources_.find(name); it != sources_.end()) return *it->second;  // another thread read it meanwhile
  std::string path = directory_ + "/" + std::string(name);
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) throw TemplateError("template " + path + " not found");
  std::ifstream file(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (!file.is_open() || file.bad()) throw TemplateError("template " + path + " cannot be read");
  mustache::mustache parsed(text);
  if (!parsed.is_valid()) throw TemplateError("template " + path + ": " + parsed.error_message());
  return *sources_.emplace(std::string(name), std::make_unique<const std::string>(std::move(text))).first->second;
}

std::string Templates::render(std::string_view name, const boost::json::object& context,
                              const TemplateFunctions& functions) const {
  mustache::data root(mustache::data::type::object);
  for (const auto& [function_name, function] : functions) root.set(function_name, mustache::lambda(function));
  for (const auto& member : context) root.set(std::string(member.key()), to_data(member.value()));
  mustache::mustache parsed(source(name));
  parsed.set_custom_escape([](const std::string& text) { return xhtml_escape(text); });
  TemplateContext template_context(*this, &root);
  std::string out = parsed.render(template_context);
  if (!parsed.is_valid()) throw TemplateError("template " + std::string(name) + ": " + parsed.error_message());
  return out;
}

}  // namespace updraft
