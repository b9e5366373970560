// Application: handlers with per-route state (initialize(args...)), lambda routes and their 405s, through
// AppTestFixture's real sockets.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "native/application.hpp"
#include "tests/support/app_test_fixture.hpp"

using namespace updraft;
using updraft::testing::AppTestFixture;
using updraft::testing::FetchOptions;

namespace {

// What happened to the requests of a route, in order, from the loop thread.
struct Journal {
  std::mutex mutex;
  std::vector<std::string> events;
  void add(std::string event) {
    std::lock_guard lock(mutex);
    events.push_back(std::move(event));
  }
  std::vector<std::string> all() {
    std::lock_guard lock(mutex);
    return events;
  }
};

struct Greeter : RequestHandler {
  void initialize(const std::string& greeting, Journal* journal) {
    greeting_ = greeting;
    journal_ = journal;
    journal_->add("initialize " + greeting);
  }
  void prepare() override { journal_->add("prepare"); }
  void get() {
    journal_->add("get");
    write(greeting_ + ", " + get_argument("name", "world"));
  }

  std::string greeting_;
  Journal* journal_ = nullptr;
};

// Declares an initialize() without arguments: it runs too, as Tornado's does.
struct Initialized : RequestHandler {
  void initialize() { initialized_ = true; }
  void get() { write(initialized_ ? "initialized" : "not initialized"); }
  bool initialized_ = false;
};

struct ThrowingInitialize : RequestHandler {
  void initialize(int code) { throw HTTPError(code); }
  void get() { write("unreachable"); }
};

}  // namespace

TEST_CASE("add<H>(pattern, args...) hands each request's new handler the route's arguments before prepare()",
          "[native][application]") {
  AppTestFixture server;
  Journal journal;
  server.app.add<Greeter>("/hello", std::string("Hello"), &journal);
  server.app.add<Greeter>("/bonjour/([a-z]+)", {.name = "bonjour"}, std::string("Bonjour"), &journal);
  server.app.add<Initialized>("/initialized");
  server.app.add<ThrowingInitialize>("/teapot", 418);

  auto hello = server.fetch("/hello?name=Ada");
  CHECK(hello.status == 200);
  CHECK(hello.body == "Hello, Ada");
  auto bonjour = server.fetch("/bonjour/x");
  CHECK(bonjour.body == "Bonjour, world");
  CHECK(server.app.reverse_url("bonjour", {"y"}) == "/bonjour/y");  // the RouteOptions still name the route
  CHECK(journal.all() == std::vector<std::string>{"initialize Hello", "prepare", "get", "initialize Bonjour",
                                                  "prepare", "get"});
  CHECK(server.fetch("/initialized").body == "initialized");
  CHECK(server.fetch("/teapot").status == 418);  // what initialize() throws is an error page like any other
}

// Routes made in the fixture's constructor, as Tornado's get_app() makes them.
struct LambdaRoutes : AppTestFixture {
  LambdaRoutes() {
    app.get("/fn", [](RequestHandler& h) { h.write("got " + h.get_argument("x", "-")); });
    app.post("/fn", [this](RequestHandler& h) {
      ++posts;
      h.set_status(201);
      h.write("posted " + h.body());
    });
    app.get("/later", [](RequestHandler& h) -> Task<> {
      co_await h.sleep(std::chrono::milliseconds(5));
      h.write("slept");
    });
    app.delete_("/items/([0-9]+)", [](RequestHandler& h) { h.write("deleted " + h.path_args().at(0)); });
  }
  std::atomic<int> posts{0};
};

TEST_CASE_METHOD(LambdaRoutes, "lambda routes answer their methods, one route per pattern, with a 405 listing them",
                 "[native][application]") {
  auto got = fetch("/fn?x=1");
  CHECK(got.status == 200);
  CHECK(got.body == "got 1");
  auto posted = fetch("/fn", {.method = "POST", .body = "abc"});
  CHECK(posted.status == 201);
  CHECK(posted.body == "posted abc");
  CHECK(posts == 1);
  auto head = fetch("/fn", {.method = "HEAD"});
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  auto put = fetch("/fn", {.method = "PUT", .body = "x"});
  CHECK(put.status == 405);
  CHECK(put.header("Allow") == "GET, HEAD, POST");
  CHECK(fetch("/later").body == "slept");
  CHECK(fetch("/items/7", {.method = "DELETE"}).body == "deleted 7");
  auto get_on_delete = fetch("/items/7");
  CHECK(get_on_delete.status == 405);
  CHECK(get_on_delete.header("Allow") == "DELETE");
}

TEST_CASE("a second function for the same method and pattern is refused", "[native][application]") {
  Application app;
  app.get("/twice", [](RequestHandler& h) { h.write("one"); });
  CHECK_THROWS_AS(app.get("/twice", [](RequestHandler& h) { h.write("two"); }), std::invalid_argument);
  CHECK_NOTHROW(app.post("/twice", [](RequestHandler& h) { h.write("post"); }));
}
