// pg::Pool: a queue of queries and the connections that run them, one query at a time each; connections are opened
// when queries wait and none is free (up to max_connections) and forgotten when they fail.
#include "core/pg/pool.hpp"

#include <algorithm>
#include <deque>
#include <vector>

#include "core/net/loop.hpp"
#include "core/pg/connection.hpp"

namespace updraft::pg {

struct Pool::Impl final : Connection::Owner {
  Impl(Loop& l, PoolOptions o) : loop(l), options(std::move(o)) {}
  ~Impl() {
    for (auto& connection : connections) connection->close();
  }

  void execute(std::string sql, Params params, Completion done) {
    loop.assert_in_loop_thread("pg::Pool::execute");
    auto query = std::make_unique<Query>();
    query->sql = std::move(sql);
    query->params = std::move(params);
    query->done = std::move(done);
    query->timeout = loop.call_later(options.query_timeout, [this, raw = query.get()] { timed_out(raw); });
    waiting.push_back(std::move(query));
    dispatch();
  }

  // Gives waiting queries to idle connections, and opens connections for those left (at most max_connections
  // attempts per call: an attempt may fail at once, and calls connect_failed() before returning).
  void dispatch() {
    std::size_t opening = 0;
    for (auto& connection : connections) {  // run() calls nothing back: the vector stays as it is
      if (!waiting.empty() && connection->idle() && connection->run(waiting.front())) waiting.pop_front();
      if (connection->connecting()) ++opening;
    }
    forget_closed();
    for (std::size_t attempts = options.max_connections; attempts > 0 && opening < waiting.size() &&
                                                         connections.size() < options.max_connections;
         --attempts) {
      auto connection = std::make_shared<Connection>(loop, *this);
      connections.push_back(connection);
      ++opening;
      connection->connect(options.conninfo, options.connect_timeout);
    }
  }

  void forget_closed() {
    std::erase_if(connections, [](const std::shared_ptr<Connection>& c) { return !c->open(); });
  }

  void connected(Connection&) override { dispatch(); }

  // The waiting queries stay for the connections left, if any (no new attempt now: the next dispatch makes one);
  // with none left they fail with this connection's error.
  void connect_failed(Connection&, std::exception_ptr error) override {
    forget_closed();
    if (connections.empty()) fail_all(error);
  }

  void query_done(Connection&, std::unique_ptr<Query> query, std::exception_ptr error, Result result) override {
    forget_closed();
    dispatch();
    finish(std::move(query), std::move(error), std::move(result));
  }

  void dropped(Connection&) override { forget_closed(); }

  void timed_out(Query* query) {
    std::unique_ptr<Query> taken;
    auto queued = std::find_if(waiting.begin(), waiting.end(), [query](auto& q) { return q.get() == query; });
    const char* where = "waiting for a connection";
    if (queued != waiting.end()) {
      taken = std::move(*queued);
      waiting.erase(queued);
    } else if (query->running_on) {
      taken = query->running_on->abandon();
      where = "running; cancelled";
      forget_closed();
      dispatch();
    }
    if (!taken) return;
    finish(std::move(taken),
           std::make_exception_ptr(Error(Error::Kind::timeout,
                                         "PostgreSQL: query timed out after " +
                                             std::to_string(options.query_timeout.count()) + " ms (" + where + ")")),
           Result());
  }

  void fail_all(const std::exception_ptr& error) {
    std::deque<std::unique_ptr<Query>> failed = std::move(waiting);
    waiting.clear();
    for (auto& query : failed) finish(std::move(query), error, Result());
  }

  // Runs the query's completion last: it may queue more queries.
  static void finish(std::unique_ptr<Query> query, std::exception_ptr error, Result result) {
    query->timeout.cancel();
    Completion done = std::move(query->done);
    query.reset();
    done(std::move(error), std::move(result));
  }

  Loop& loop;
  PoolOptions options;
  std::vector<std::shared_ptr<Connection>> connections;
  std::deque<std::unique_ptr<Query>> waiting;
};

Pool::Pool(Loop& loop, PoolOptions options) : impl_(std::make_unique<Impl>(loop, std::move(options))) {}
Pool::~Pool() = default;

void Pool::execute(std::string sql, Params params, Completion done) {
  impl_->execute(std::move(sql), std::move(params), std::move(done));
}

Loop& Pool::loop() const { return impl_->loop; }
const PoolOptions& Pool::options() const { return impl_->options; }
std::size_t Pool::connections() const { return impl_->connections.size(); }
std::size_t Pool::idle_connections() const {
  return std::size_t(std::count_if(impl_->connections.begin(), impl_->connections.end(),
                                   [](auto& c) { return c->idle(); }));
}
std::size_t Pool::waiting_queries() const { return impl_->waiting.size(); }

Pool::QueryAwaiter::QueryAwaiter(Pool& pool, std::string sql, Params params)
    : pool_(pool), sql_(std::move(sql)), params_(std::move(params)), state_(std::make_shared<State>()) {}

Pool::QueryAwaiter::~QueryAwaiter() {
  if (state_) state_->abandoned = true;
}

void Pool::QueryAwaiter::await_suspend(std::coroutine_handle<> waiter) {
  pool_.execute(std::move(sql_), std::move(params_), [state = state_, waiter](std::exception_ptr error, Result result) {
    if (state->abandoned) return;
    state->error = std::move(error);
    state->result = std::move(result);
    waiter.resume();
  });
}

Result Pool::QueryAwaiter::await_resume() {
  if (state_->error) std::rethrow_exception(state_->error);
  return std::move(state_->result);
}

}  // namespace updraft::pg
