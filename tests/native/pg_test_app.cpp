// pg_test_app: a native hello beside a route that runs many PostgreSQL queries at once on its loop (core/pg), for the
// end-to-end test that the loop keeps answering while they run.
#include <CLI/CLI.hpp>
#include <chrono>
#include <coroutine>
#include <cstdio>
#include <memory>

#include "cli/serve.hpp"
#include "cli/server_flags.hpp"
#include "core/pg/database.hpp"
#include "native/application.hpp"

using namespace updraft;

namespace {
pg::Database* database = nullptr;

struct HelloHandler : RequestHandler {
  void get() {
    set_header("Content-Type", "text/plain");
    write("Hello, World!");
  }
};

// The queries of one burst: the handler resumes when the last one is answered (never, if it was destroyed).
struct Burst {
  int pending = 0, answered = 0, failed = 0;
  std::coroutine_handle<> waiter;
  bool abandoned = false;
};

struct BurstDone {
  std::shared_ptr<Burst> burst;
  ~BurstDone() { burst->abandoned = true; }
  bool await_ready() const noexcept { return burst->pending == 0; }
  void await_suspend(std::coroutine_handle<> h) { burst->waiter = h; }
  void await_resume() const noexcept {}
};

// GET /burst?n=1000&sleep_ms=2: n queries at once (each sleeping sleep_ms on the server and echoing its number);
// answers "answered N failed M in T ms".
struct BurstHandler : RequestHandler {
  Task<> get() {
    const long n = get_argument<long>("n", 1000);
    const double sleep_s = get_argument<long>("sleep_ms", 0) / 1000.0;
    if (n < 1 || n > 100'000) throw HTTPError(400, "bad n");
    auto burst = std::make_shared<Burst>();
    burst->pending = int(n);
    const auto start = std::chrono::steady_clock::now();
    pg::Pool& pool = database->pool(loop());
    for (long i = 0; i < n; ++i) {
      pool.execute("select pg_sleep($1), $2::int", pg::make_params(sleep_s, i),
                   [burst, i](std::exception_ptr error, pg::Result r) {
                     if (!error && r[0].get<long>(1) == i) ++burst->answered;
                     else ++burst->failed;
                     if (--burst->pending == 0 && burst->waiter && !burst->abandoned) burst->waiter.resume();
                   });
    }
    BurstDone all_done{burst};  // named: GCC 12 destroys a braced awaiter temporary of a co_await twice
    co_await all_done;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    set_header("Content-Type", "text/plain");
    write("answered " + std::to_string(burst->answered) + " failed " + std::to_string(burst->failed) + " in " +
          std::to_string(ms.count()) + " ms");
  }
};
}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"updraft PostgreSQL test app: GET /hello, GET /burst?n=N&sleep_ms=M"};
  ServerFlags flags;
  add_server_flags(cli, flags);
  pg::PoolOptions options;
  cli.add_option("--pg", options.conninfo, "libpq connection string")->required();
  cli.add_option("--pg-connections", options.max_connections, "connections per loop");
  CLI11_PARSE(cli, argc, argv);
  try {
    apply_log_flags(flags);
    Application app;
    app.add<HelloHandler>("/hello");
    app.add<BurstHandler>("/burst");
    pg::Database db(options);
    database = &db;
    HTTPServer server(flags.server, app);
    return serve(server, "pg_test_app", [&] { server.bind(); }, flags.processes);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pg_test_app: %s\n", e.what());
    return 1;
  }
}
