// pg::Pool: PostgreSQL from a loop without blocking it. libpq's asynchronous API is driven by the loop's readiness
// events; a pool of connections per loop (made on demand, up to a maximum), parameters always bound, typed results,
// connect and query timeouts. In a native coroutine handler:
//
//   pg::Result rows = co_await pool.query("select title from notes_note where id = $1", id);
//
// A dropped connection is an error (pg::Error, connection) for the query that was using it, and is replaced on the
// next use; a query that outlives its timeout is cancelled on the server and fails (timeout). Every call is made on
// the pool's loop thread.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <string>

#include "core/pg/error.hpp"
#include "core/pg/params.hpp"
#include "core/pg/result.hpp"

namespace updraft {
class Loop;
}

namespace updraft::pg {

struct PoolOptions {
  // libpq's connection string ("host=/run/postgresql dbname=notes user=web") or URI (postgresql://...); what it
  // leaves out comes from libpq's PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD... environment variables.
  std::string conninfo;
  std::size_t max_connections = 8;
  std::chrono::milliseconds connect_timeout{5000};
  // From the call to the result, time waiting for a free connection included.
  std::chrono::milliseconds query_timeout{30000};
};

// How execute() reports: an error (pg::Error) or the result.
using Completion = std::function<void(std::exception_ptr error, Result result)>;

class Pool {
 public:
  Pool(Loop& loop, PoolOptions options);
  ~Pool();  // on the loop's thread, or once it stopped, before the Loop; pending queries are dropped unanswered
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // co_await pool.query(sql, args...): the Result, or a pg::Error thrown. A coroutine destroyed while it waits is
  // never resumed.
  class QueryAwaiter;
  template <class... Args>
  QueryAwaiter query(std::string sql, const Args&... args);

  // The callback form: done runs on the loop once the query finished or failed.
  void execute(std::string sql, Params params, Completion done);

  Loop& loop() const;
  const PoolOptions& options() const;
  std::size_t connections() const;       // open or opening
  std::size_t idle_connections() const;  // open and free
  std::size_t waiting_queries() const;   // queued for a free connection

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Pool::QueryAwaiter {
 public:
  QueryAwaiter(Pool& pool, std::string sql, Params params);
  QueryAwaiter(QueryAwaiter&&) = default;
  ~QueryAwaiter();

  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> waiter);
  Result await_resume();

 private:
  struct State {
    bool abandoned = false;  // the awaiting coroutine was destroyed
    std::exception_ptr error;
    Result result;
  };
  Pool& pool_;
  std::string sql_;
  Params params_;
  std::shared_ptr<State> state_;
};

template <class... Args>
Pool::QueryAwaiter Pool::query(std::string sql, const Args&... args) {
  return QueryAwaiter(*this, std::move(sql), make_params(args...));
}

}  // namespace updraft::pg
