// Unit tests for Templates: escaping, sections, partials, missing and malformed templates, the cache, threads.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "native/templates.hpp"

using namespace updraft;
namespace fs = std::filesystem;

namespace {
struct TemplateDir {
  fs::path dir = fs::temp_directory_path() / ("templates-" + std::to_string(std::random_device{}()));
  TemplateDir() { fs::create_directories(dir / "sub"); }
  ~TemplateDir() { fs::remove_all(dir); }
  void write(const std::string& name, const std::string& text) const { std::ofstream(dir / name) << text; }
};

std::string error_of(const Templates& templates, std::string_view name, const boost::json::object& context = {}) {
  try {
    templates.render(name, context);
  } catch (const TemplateError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("{{x}} is HTML-escaped, {{{x}}} and {{&x}} are not", "[templates]") {
  TemplateDir t;
  t.write("page.html", "<p>{{name}}</p><p>{{{name}}}</p><p>{{& name}}</p>");
  Templates templates(t.dir.string());
  std::string hostile = "<script>alert('x') & \"y\"</script>";
  CHECK(templates.render("page.html", {{"name", hostile}}) ==
        "<p>&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;</p><p>" + hostile + "</p><p>" + hostile +
            "</p>");
}

TEST_CASE("JSON values become Mustache values", "[templates]") {
  TemplateDir t;
  t.write("values.txt",
          "{{#items}}[{{name}}={{count}}]{{/items}}{{^items}}none{{/items}} "
          "{{#user}}{{first}} {{last}}{{/user}} {{#admin}}admin{{/admin}}{{^admin}}user{{/admin}} "
          "{{#missing}}x{{/missing}}{{^nothing}}null is false{{/nothing}} {{ratio}} {{big}} {{user.first}}");
  Templates templates(t.dir.string());
  auto context = boost::json::parse(R"({
    "items": [{"name": "a", "count": 1}, {"name": "b", "count": -2}],
    "user": {"first": "Ada", "last": "Lovelace"},
    "admin": false, "nothing": null, "ratio": 0.5, "big": 18446744073709551615})").as_object();
  CHECK(templates.render("values.txt", context) ==
        "[a=1][b=-2] Ada Lovelace user null is false 0.5 18446744073709551615 Ada");
  context["items"] = boost::json::array();
  context["admin"] = true;
  CHECK(templates.render("values.txt", context).starts_with("none Ada Lovelace admin "));
}

TEST_CASE("partials come from the same directory and see the same context", "[templates]") {
  TemplateDir t;
  t.write("page.html", "{{> sub/header.html}}<main>{{body}}</main>{{>footer.html}}");
  t.write("sub/header.html", "<h1>{{title}}</h1>{{> nav.html}}");
  t.write("nav.html", "<nav>{{#links}}<a>{{.}}</a>{{/links}}</nav>");
  t.write("footer.html", "<footer>{{title}}</footer>");
  Templates templates(t.dir.string());
  auto context = boost::json::parse(R"({"title": "T<1>", "body": "B", "links": ["x", "y&z"]})").as_object();
  CHECK(templates.render("page.html", context) ==
        "<h1>T&lt;1&gt;</h1><nav><a>x</a><a>y&amp;z</a></nav><main>B</main><footer>T&lt;1&gt;</footer>");
}

TEST_CASE("a missing template or partial is an error naming it", "[templates]") {
  TemplateDir t;
  t.write("uses-missing.html", "before {{> nowhere.html}} after");
  Templates templates(t.dir.string());
  CHECK(error_of(templates, "absent.html") == "template " + (t.dir / "absent.html").string() + " not found");
  CHECK(error_of(templates, "uses-missing.html") == "template " + (t.dir / "nowhere.html").string() + " not found");
  CHECK(error_of(templates, "sub") == "template " + (t.dir / "sub").string() + " not found");  // a directory
}

TEST_CASE("a syntax error is an error naming the template and saying what is wrong", "[templates]") {
  TemplateDir t;
  t.write("unclosed.html", "<p>{{#items}}{{name}}</p>");
  t.write("mismatched.html", "{{#a}}{{/b}}");
  t.write("includes-bad.html", "ok {{> unclosed.html}}");
  Templates templates(t.dir.string());
  std::string unclosed = error_of(templates, "unclosed.html");
  CHECK_THAT(unclosed, Catch::StartsWith("template " + (t.dir / "unclosed.html").string() + ": "));
  CHECK_THAT(unclosed, Catch::Contains("items"));
  CHECK_THAT(error_of(templates, "mismatched.html"), Catch::Contains("mismatched.html: "));
  CHECK_THAT(error_of(templates, "includes-bad.html"), Catch::Contains("unclosed.html: "));
}

TEST_CASE("a template name cannot leave the directory", "[templates]") {
  TemplateDir t;
  t.write("ok.html", "ok");
  std::ofstream(t.dir.parent_path() / "outside.html") << "secret";
  Templates templates(t.dir.string());
  for (std::string name : {"../outside.html", "sub/../../outside.html", "/etc/passwd", "..", "", "sub/..",
                           "sub/../ok.html"}) {
    INFO(name);
    CHECK_THAT(error_of(templates, name), Catch::EndsWith("is not a path inside the template directory"));
  }
  t.write("climbs.html", "{{> ../outside.html}}");
  CHECK_THAT(error_of(templates, "climbs.html"), Catch::EndsWith("is not a path inside the template directory"));
  fs::remove(t.dir.parent_path() / "outside.html");
}

TEST_CASE("templates are read once and kept", "[templates]") {
  TemplateDir t;
  t.write("page.html", "first {{x}}");
  Templates templates(t.dir.string());
  const std::string& source = templates.source("page.html");
  CHECK(templates.render("page.html", {{"x", 1}}) == "first 1");
  t.write("page.html", "second {{x}}");
  CHECK(templates.render("page.html", {{"x", 2}}) == "first 2");
  CHECK(&templates.source("page.html") == &source);
  fs::remove(t.dir / "page.html");
  CHECK(templates.render("page.html", {{"x", 3}}) == "first 3");
  // A template that was missing is looked for again: it may be added later.
  CHECK(error_of(templates, "later.html") != "no error");
  t.write("later.html", "now here");
  CHECK(templates.render("later.html", {}) == "now here");
}

TEST_CASE("functions are lambdas beside the context, which wins a clash", "[templates]") {
  TemplateDir t;
  t.write("page.html", "{{{form}}}|{{form}}|{{#upper}}abc{{/upper}}|{{shadowed}}");
  Templates templates(t.dir.string());
  TemplateFunctions functions;
  functions.emplace("form", [](const std::string&) { return std::string("<input>"); });
  functions.emplace("upper", [](const std::string& text) { return "[" + text + "]"; });
  functions.emplace("shadowed", [](const std::string&) { return std::string("function"); });
  CHECK(templates.render("page.html", {{"shadowed", "context"}}, functions) ==
        "<input>|&lt;input&gt;|[abc]|context");
}

TEST_CASE("a render cut short by an exception leaves the template usable", "[templates]") {
  TemplateDir t;
  t.write("page.html", "<{{#fail}}x{{/fail}}{{n}}>");
  Templates templates(t.dir.string());
  TemplateFunctions failing;
  failing.emplace("fail", [](const std::string&) -> std::string { throw std::runtime_error("from a function"); });
  CHECK_THROWS_WITH(templates.render("page.html", {{"n", 1}}, failing), "from a function");
  CHECK(templates.render("page.html", {{"n", 2}}) == "<2>");
  CHECK(templates.render("page.html", {{"n", 3}}) == "<3>");
}

TEST_CASE("a function may render the template being rendered", "[templates]") {
  TemplateDir t;
  t.write("nest.html", "[{{depth}}{{#inner}}{{/inner}}]");
  Templates templates(t.dir.string());
  TemplateFunctions functions;
  int depth = 0;
  functions.emplace("inner", [&](const std::string&) -> std::string {
    if (++depth > 2) return "";
    return templates.render("nest.html", {{"depth", depth}}, functions);
  });
  CHECK(templates.render("nest.html", {{"depth", 0}}, functions) == "[0[1[2]]]");
  CHECK(templates.render("nest.html", {{"depth", 9}}, functions) == "[9]");
}

TEST_CASE("one Templates renders from many threads at once", "[templates]") {
  TemplateDir t;
  t.write("page.html", "{{> part.html}}{{n}}");
  t.write("part.html", "n=");
  Templates templates(t.dir.string());  // nothing read yet: the threads race for the first read
  std::vector<std::thread> threads;
  std::vector<int> correct(8, 0);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < 200; ++k)
        correct[i] += templates.render("page.html", {{"n", i}}) == "n=" + std::to_string(i);
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(correct == std::vector<int>(8, 200));
}
