// The site sample's handlers: every page is a template; the signed cookie "user" says who is logged in.
#include "samples/site/handlers.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/http/headers.hpp"

namespace site {

using namespace updraft;

namespace {
constexpr std::size_t kMaxNameBytes = 64;

// A page for a logged-in user; anyone else is sent to /login.
class UserPage : public RequestHandler {
 public:
  void prepare() override {
    user_ = get_signed_cookie("user");
    if (!user_) redirect("/login");
  }

 protected:
  const std::string& user() const { return *user_; }

 private:
  std::optional<std::string> user_;
};

struct LoginHandler : RequestHandler {
  void get() { render("login.html"); }
  void post() {
    std::string name(trim_ows(get_argument("name")));
    if (name.empty() || name.size() > kMaxNameBytes) {
      set_status(400);
      return render("login.html", {{"error", "A name is 1 to 64 bytes."}, {"name", name}});
    }
    set_signed_cookie("user", name);
    redirect("/");
  }
};

struct HomeHandler : UserPage {
  void get() { render("home.html", {{"name", user()}}); }
};

// Shows what was uploaded in the form's "file" field: names, types and sizes (the contents are not kept).
struct UploadHandler : UserPage {
  void post() {
    boost::json::array uploaded;
    auto field = files().find("file");
    if (field != files().end()) {
      for (const auto& file : field->second) {
        uploaded.push_back(boost::json::object{
            {"filename", file.filename}, {"content_type", file.content_type}, {"size", file.size}});
      }
    }
    render("uploaded.html", {{"name", user()}, {"files", std::move(uploaded)}});
  }
};

struct LogoutHandler : RequestHandler {
  void post() {
    clear_cookie("user");
    redirect("/login");
  }
};
}  // namespace

void add_site_routes(Application& app) {
  app.add<HomeHandler>("/");
  app.add<LoginHandler>("/login");
  app.add<UploadHandler>("/upload");
  app.add<LogoutHandler>("/logout");
}

}  // namespace site
