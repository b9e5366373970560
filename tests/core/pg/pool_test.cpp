// pg::Pool and pg::Database against a throwaway PostgreSQL cluster (tests/support/pg_cluster.hpp): typed results,
// NULLs, bound parameters, server errors, prepared statements, dead connections, a server restart, timeouts, pools
// per loop; the loop never blocks.
#include "core/pg/pool.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <thread>

#include "core/net/loop.hpp"
#include "core/net/task.hpp"
#include "core/pg/database.hpp"
#include "support/pg_cluster.hpp"

using namespace updraft;
using namespace std::chrono_literals;
using updraft::testing::PgCluster;

namespace {

pg::PoolOptions options_for(std::size_t max_connections = 4) {
  pg::PoolOptions options;
  options.conninfo = PgCluster::shared().conninfo();
  options.max_connections = max_connections;
  return options;
}

// Runs the coroutine body(loop) on loop until it finishes (or fails the test after limit); rethrows what it threw.
template <class Body>
void run_on(Loop& loop, Body body, std::chrono::seconds limit = 60s) {
  Task<> task;
  bool timed_out = false;
  TimerHandle watchdog;
  loop.post([&] {
    watchdog = loop.call_later(limit, [&] {
      timed_out = true;
      loop.stop();
    });
    task = body();
    task.on_done([&] { loop.stop(); });
  });
  loop.run();
  watchdog.cancel();
  REQUIRE_FALSE(timed_out);
  task.rethrow_if_failed();
}

// The query's pg::Error (failing the test if it succeeds).
Task<> expect_error(pg::Pool& pool, std::string sql, pg::Error::Kind kind, std::string* message = nullptr,
                  std::string* sqlstate = nullptr) {
  try {
    co_await pool.query(std::move(sql));
    FAIL("the query succeeded");
  } catch (const pg::Error& e) {
    CHECK(e.kind() == kind);
    if (message) *message = e.what();
    if (sqlstate) *sqlstate = e.sqlstate();
  }
}

Task<> backend_pid(pg::Pool& pool, int& pid) {
  pg::Result r = co_await pool.query("select pg_backend_pid()");
  pid = r[0].get<int>(0);
}

// co_await sleep_for(loop, 10ms): waits on the loop without blocking it.
struct Sleep {
  Loop& loop;
  std::chrono::milliseconds delay;
  TimerHandle timer{};
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) { timer = loop.call_later(delay, [h] { h.resume(); }); }
  void await_resume() const noexcept {}
};

Sleep sleep_for(Loop& loop, std::chrono::milliseconds delay) { return Sleep{loop, delay}; }

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("pg::Pool reads typed values and NULLs", "[pg]") {
  Loop loop;
  pg::Pool pool(loop, options_for());
  run_on(loop, [&]() -> Task<> {
    pg::Result r = co_await pool.query(
        "select 42::int4 as i, 9000000000::int8 as big, -7::int2 as small, 2.5::float8 as d, 0.1::numeric as n, "
        "'hé ☃'::text as s, true as yes, false as no, null::int as nothing, null::text as no_text, "
        "'NaN'::float8 as nan");
    REQUIRE(r.size() == 1);
    REQUIRE(r.columns() == 11);
    CHECK(r.column_name(1) == "big");
    const pg::Row row = r[0];
    CHECK(row.get<int>(0) == 42);
    CHECK(row.get<std::int64_t>("big") == 9'000'000'000);
    CHECK(row.get<short>("small") == -7);
    CHECK(row.get<double>("d") == 2.5);
    CHECK(row.get<double>("n") == 0.1);
    CHECK(row.get<std::string>("s") == "hé ☃");
    CHECK(row.get<std::string_view>("s") == "hé ☃");
    CHECK(row.get<bool>("yes"));
    CHECK_FALSE(row.get<bool>("no"));
    CHECK(row.is_null(8));
    CHECK(row.get<std::optional<int>>("nothing") == std::nullopt);
    CHECK(row.get<std::optional<std::string>>("no_text") == std::nullopt);
    CHECK(row.get<std::optional<int>>("i") == 42);
    CHECK(std::isnan(row.get<double>("nan")));
    CHECK(row.get<std::string>("i") == "42");  // any column reads as its text

    // A value never converts quietly.
    CHECK_THROWS_WITH(row.get<int>("nothing"), "column \"nothing\" is NULL: read it as a std::optional");
    CHECK_THROWS_WITH(row.get<int>("s"), "column \"s\" is not an integer");
    CHECK_THROWS_WITH(row.get<bool>("i"), "column \"i\" is not a boolean");
    CHECK_THROWS_WITH(row.get<double>("s"), "column \"s\" is not a number");
    CHECK_THROWS_WITH(row.get<int>("big"), Catch::Contains("out of the range"));
    CHECK_THROWS_WITH(row.get<unsigned>("small"), Catch::Contains("out of the range"));
    CHECK_THROWS_WITH(row.get<int>("missing"), "no column named \"missing\" in the result");
    CHECK_THROWS_AS(row.get<int>(11), pg::Error);

    pg::Result rows = co_await pool.query("select g, g * 0.5 from generate_series(1, 5) g");
    int sum = 0;
    double halves = 0;
    for (pg::Row each : rows) {
      sum += each.get<int>(0);
      halves += each.get<double>(1);
    }
    CHECK(sum == 15);
    CHECK(halves == 7.5);

    pg::Result none = co_await pool.query("select 1 where false");
    CHECK(none.empty());
    CHECK(none.columns() == 1);
  });
}

TEST_CASE("pg::Pool binds parameters, never formats them into the SQL", "[pg]") {
  Loop loop;
  pg::Pool pool(loop, options_for());
  run_on(loop, [&]() -> Task<> {
    co_await pool.query("drop table if exists hostile");
    co_await pool.query("create table hostile (id serial primary key, body text)");
    const std::string hostile[] = {
        "'; drop table hostile; --", "\\'", "\"quoted\"", "$1", "$$ dollar $$", "line\nbreak\ttab", "é ☃ 𝄞",
        "%s %d {}", "' or '1'='1", std::string(100'000, 'x'),
    };
    for (const std::string& text : hostile) {
      pg::Result r = co_await pool.query("select $1::text, length($1::text)", text);
      CHECK(r[0].get<std::string>(0) == text);
      co_await pool.query("insert into hostile (body) values ($1)", text);
    }
    pg::Result count = co_await pool.query("select count(*) from hostile");  // the table is still there
    CHECK(count[0].get<int>(0) == int(std::size(hostile)));
    pg::Result matched = co_await pool.query("select count(*) from hostile where body = $1", hostile[0]);
    CHECK(matched[0].get<int>(0) == 1);

    pg::Result typed = co_await pool.query("select $1::int + 1, $2::float8 * 2, $3::bool, $4::text is null, $5::int8",
                                           41, 1.25, true, std::optional<std::string>(), std::int64_t(-9'000'000'000));
    CHECK(typed[0].get<int>(0) == 42);
    CHECK(typed[0].get<double>(1) == 2.5);
    CHECK(typed[0].get<bool>(2));
    CHECK(typed[0].get<bool>(3));
    CHECK(typed[0].get<std::int64_t>(4) == -9'000'000'000);

    pg::Result affected = co_await pool.query("delete from hostile where body like $1", "x%");
    CHECK(affected.affected_rows() == 1);

    CHECK_THROWS_WITH(pool.query("select $1::text", std::string("nul\0byte", 8)),
                      "a query parameter holds a NUL byte, which PostgreSQL text cannot store");
    std::string sqlstate;
    co_await expect_error(pool, "select '\xff'::text", pg::Error::Kind::server, nullptr, &sqlstate);
    CHECK(sqlstate == "22021");  // invalid UTF-8: the server's refusal, a value of the query's
  });
}

TEST_CASE("pg::Pool reports a syntax error and keeps the connection", "[pg]") {
  Loop loop;
  pg::Pool pool(loop, options_for(1));
  run_on(loop, [&]() -> Task<> {
    int before = 0, after = 0;
    co_await backend_pid(pool, before);
    std::string message, sqlstate;
    co_await expect_error(pool, "selec 1", pg::Error::Kind::server, &message, &sqlstate);
    CHECK(sqlstate == "42601");
    CHECK_THAT(message, Catch::Contains("syntax error at or near \"selec\""));
    co_await backend_pid(pool, after);
    CHECK(after == before);
    CHECK(pool.connections() == 1);
  });
}

TEST_CASE("pg::Pool replaces a connection the server terminated", "[pg]") {
  Loop loop;
  pg::Pool pool(loop, options_for(1));
  pg::Pool admin(loop, options_for(1));
  run_on(loop, [&]() -> Task<> {
    // Idle when terminated: the pool notices the server closing it, and the next query gets a new connection.
    int first = 0, second = 0, third = 0;
    co_await backend_pid(pool, first);
    co_await admin.query("select pg_terminate_backend($1)", first);
    for (int i = 0; i < 100 && pool.connections() > 0; ++i) co_await sleep_for(loop, 50ms);
    CHECK(pool.connections() == 0);
    co_await backend_pid(pool, second);
    CHECK(second != first);

    // Terminated while a query runs on it: that query fails with a connection error, at once; the next one works.
    std::exception_ptr error;
    bool done = false;
    const auto start = std::chrono::steady_clock::now();
    pool.execute("select pg_sleep(30)", {}, [&](std::exception_ptr e, pg::Result) {
      error = e;
      done = true;
    });
    co_await sleep_for(loop, 200ms);
    co_await admin.query("select pg_terminate_backend($1)", second);
    for (int i = 0; i < 200 && !done; ++i) co_await sleep_for(loop, 25ms);
    REQUIRE(done);
    CHECK(seconds_since(start) < 5);
    try {
      std::rethrow_exception(error);
    } catch (const pg::Error& e) {
      CHECK(e.kind() == pg::Error::Kind::connection);
      CHECK(e.sqlstate() == "57P01");  // admin_shutdown
      CHECK_THAT(e.what(), Catch::Contains("terminating connection due to administrator command"));
    }
    co_await backend_pid(pool, third);
    CHECK(third != second);
  });
}

TEST_CASE("pg::Pool survives a server restart in the middle", "[pg]") {
  Loop loop;
  pg::Pool pool(loop, options_for(2));
  PgCluster& cluster = PgCluster::shared();
  run_on(loop, [&]() -> Task<> {
    int pid = 0;
    co_await backend_pid(pool, pid);
    // A query is running when the server shuts down (fast: sessions are ended), from another thread; the loop keeps
    // turning meanwhile.
    std::exception_ptr error;
    bool done = false;
    pool.execute("select pg_sleep(30)", {}, [&](std::exception_ptr e, pg::Result) {
      error = e;
      done = true;
    });
    co_await sleep_for(loop, 200ms);
    bool stopped = false;
    std::thread stopper([&] {
      cluster.stop();
      loop.post([&] { stopped = true; });
    });
    int ticks = 0;
    while (!stopped) {
      co_await sleep_for(loop, 10ms);
      ++ticks;
    }
    stopper.join();
    CHECK(ticks > 3);  // the loop was not blocked while the server went away
    REQUIRE(done);
    try {
      std::rethrow_exception(error);
    } catch (const pg::Error& e) {
      CHECK(e.kind() == pg::Error::Kind::connection);
    }

    // While it is down, queries fail at once with a connection error, never hang.
    const auto start = std::chrono::steady_clock::now();
    std::string message;
    co_await expect_error(pool, "select 1", pg::Error::Kind::connection, &message);
    CHECK_THAT(message, Catch::Contains("PostgreSQL: ") && Catch::Contains(".s.PGSQL.5432"));
    CHECK(seconds_since(start) < 2);

    bool started = false;
    std::thread starter([&] {
      cluster.start();
      loop.post([&] { started = true; });
    });
    while (!started) co_await sleep_for(loop, 10ms);
    starter.join();
    pg::Result r = co_await pool.query("select $1::int * 2", 21);
    CHECK(r[0].get<int>(0) == 42);
  });
}

TEST_CASE("pg::Pool times a query out and cancels it on the server", "[pg]") {
  Loop loop;
  pg::PoolOptions options = options_for(1);
  options.query_timeout = 300ms;
  pg::Pool pool(loop, options);
  pg::Pool admin(loop, options_for(1));
  run_on(loop, [&]() -> Task<> {
    const auto start = std::chrono::steady_clock::now();
    std::string message;
    co_await expect_error(pool, "select pg_sleep(20), 'timeout-test'", pg::Error::Kind::timeout, &message);
    CHECK(message == "PostgreSQL: query timed out after 300 ms (running; cancelled)");
    CHECK(seconds_since(start) < 3);
    // The server stops running it (PQcancel, from another thread).
    int running = 1;
    for (int i = 0; i < 100 && running; ++i) {
      pg::Result r = co_await admin.query(
          "select count(*) from pg_stat_activity where query like $1 and state = 'active'", "%'timeout-test'");
      running = r[0].get<int>(0);
      if (running) co_await sleep_for(loop, 50ms);
    }
    CHECK(running == 0);
    pg::Result r = co_await pool.query("select 'after'");
    CHECK(r[0].get<std::string>(0) == "after");
  });
}

TEST_CASE("pg::Pool times out a connection attempt to a server that never answers", "[pg]") {
  // A listening socket nobody accepts on: the kernel completes the handshake, then nothing is said.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listener, 16) == 0);
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);

  Loop loop;
  pg::PoolOptions options;
  options.conninfo = "host=127.0.0.1 port=" + std::to_string(ntohs(address.sin_port)) + " dbname=x user=x";
  options.connect_timeout = 300ms;
  pg::Pool pool(loop, options);
  run_on(loop, [&]() -> Task<> {
    const auto start = std::chrono::steady_clock::now();
    std::string message;
    co_await expect_error(pool, "select 1", pg::Error::Kind::timeout, &message);
    CHECK(message == "PostgreSQL: no connection after 300 ms");
    CHECK(seconds_since(start) < 3);
    CHECK(pool.connections() == 0);
  });
  ::close(listener);
}

TEST_CASE("pg::Pool runs many concurrent queries on a few connections", "[pg]") {
  Loop loop;
  pg::Pool pool(loop, options_for(4));
  run_on(loop, [&]() -> Task<> {
    int answered = 0, failed = 0;
    for (int i = 0; i < 1000; ++i) {
      pool.execute("select $1::int", pg::make_params(i), [&, i](std::exception_ptr error, pg::Result r) {
        if (!error && r[0].get<int>(0) == i) ++answered;
        else ++failed;
      });
    }
    CHECK(pool.connections() == 4);
    CHECK(pool.waiting_queries() > 900);
    while (answered + failed < 1000) co_await sleep_for(loop, 10ms);
    CHECK(answered == 1000);
    CHECK(pool.connections() == 4);
    CHECK(pool.idle_connections() == 4);
  });
}

TEST_CASE("pg::Pool's awaiting coroutine, destroyed while it waits, is never resumed", "[pg]") {
  Loop loop;
  pg::Pool pool(loop, options_for(1));
  run_on(loop, [&]() -> Task<> {
    bool resumed = false;
    {
      Task<> abandoned = [](pg::Pool& p, bool& flag) -> Task<> {
        co_await p.query("select pg_sleep(0.1)");
        flag = true;
      }(pool, resumed);
    }  // destroyed while its query runs
    co_await pool.query("select 1");  // after the abandoned one, on the one connection
    CHECK_FALSE(resumed);
  });
}

TEST_CASE("pg::Pool prepares a statement once per connection, and again when its table changes", "[pg]") {
  Loop loop;
  pg::Pool pool(loop, options_for(1));
  run_on(loop, [&]() -> Task<> {
    for (int i = 0; i < 3; ++i) {
      pg::Result r = co_await pool.query("select $1::int + 1", i);
      CHECK(r[0].get<int>(0) == i + 1);
    }
    pg::Result statements =
        co_await pool.query("select count(*) from pg_prepared_statements where statement = $1", "select $1::int + 1");
    CHECK(statements[0].get<int>(0) == 1);

    co_await pool.query("drop table if exists shifting");
    co_await pool.query("create table shifting (a int)");
    co_await pool.query("insert into shifting values (1)");
    pg::Result before = co_await pool.query("select * from shifting");
    CHECK(before.columns() == 1);
    co_await pool.query("alter table shifting add column b text default 'added'");
    pg::Result after = co_await pool.query("select * from shifting");  // the old plan's result type is stale
    REQUIRE(after.columns() == 2);
    CHECK(after[0].get<std::string>("b") == "added");

    // A statement the server cannot prepare fails like any other, and the connection goes on.
    co_await expect_error(pool, "select * from no_such_table", pg::Error::Kind::server);
    pg::Result r = co_await pool.query("select 'still here'");
    CHECK(r[0].get<std::string>(0) == "still here");
    CHECK(pool.connections() == 1);
  });
}

TEST_CASE("pg::Database gives each loop its pool, which closes with its loop", "[pg]") {
  pg::Database database(options_for(2));
  int pid = 0;
  {
    Loop first, second;
    run_on(first, [&]() -> Task<> {
      CHECK(&database.pool(first) == &database.pool(first));
      co_await backend_pid(database.pool(first), pid);
    });
    run_on(second, [&]() -> Task<> {
      CHECK(&database.pool(second) != &database.pool(first));
      int other = 0;
      co_await backend_pid(database.pool(second), other);
      CHECK(other != pid);
    });
  }  // the loops go, their pools' connections with them
  Loop loop;
  pg::Pool admin(loop, options_for(1));
  run_on(loop, [&]() -> Task<> {
    int sessions = 1;
    for (int i = 0; i < 100 && sessions; ++i) {
      pg::Result r = co_await admin.query("select count(*) from pg_stat_activity where pid = $1", pid);
      sessions = r[0].get<int>(0);
      if (sessions) co_await sleep_for(loop, 50ms);
    }
    CHECK(sessions == 0);
  });
}
