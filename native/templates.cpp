// Templates: reads and caches Mustache templates, converts a JSON context to kainjow's data and renders it.
#include "native/templates.hpp"

#include <atomic>
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

std::atomic<std::uint64_t> next_templates_id{1};

// This thread's parsed templates, by Templates id and name ("3/home.html"). A parsed kainjow template may be rendered by
// one thread at a time only, so each thread parses its own copy of a template once; entries of a Templates that was
// destroyed stay (ids are never reused, so they are never found again).
using ParsedTemplates = std::unordered_map<std::string, std::unique_ptr<mustache::mustache>>;
thread_local ParsedTemplates parsed_on_this_thread;

std::unique_ptr<mustache::mustache> parse(const std::string& text) {
  auto parsed = std::make_unique<mustache::mustache>(text);
  parsed->set_custom_escape([](const std::string& s) { return xhtml_escape(s); });
  return parsed;
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

Templates::Templates(std::string directory) : directory_(std::move(directory)), id_(next_templates_id++) {}

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
  // The parsed template leaves the thread's map while it renders (a function that renders the same template again
  // parses its own) and goes back only after a render without error: kainjow keeps an error in the parsed template.
  std::string key = std::to_string(id_).append("/").append(name);
  ParsedTemplates::node_type checked_out = parsed_on_this_thread.extract(key);
  if (checked_out.empty()) {
    ParsedTemplates fresh;
    fresh.emplace(key, parse(source(name)));
    checked_out = fresh.extract(fresh.begin());
  }
  mustache::mustache& parsed = *checked_out.mapped();
  TemplateContext template_context(*this, &root);
  std::string out = parsed.render(template_context);
  if (!parsed.is_valid()) throw TemplateError("template " + std::string(name) + ": " + parsed.error_message());
  parsed_on_this_thread.insert(std::move(checked_out));
  return out;
}

}  // namespace updraft
