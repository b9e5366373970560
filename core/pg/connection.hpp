// pg::Connection (internal to the pool): one libpq connection driven by the loop's readiness events: connecting
// (PQconnectPoll), idle (watching for the server closing it), running one query (PQsendPrepare the first time a
// statement is seen, then PQsendQueryPrepared; PQflush, PQconsumeInput, PQisBusy, PQgetResult).
#pragma once

#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/net/loop.hpp"
#include "core/pg/params.hpp"
#include "core/pg/pool.hpp"
#include "core/pg/result.hpp"

struct pg_conn;  // libpq's PGconn

namespace updraft::pg {

class Connection;

// A query from execute() to its completion: waiting in the pool's queue, then running on a connection.
struct Query {
  std::string sql;
  Params params;
  Completion done;
  TimerHandle timeout;
  Connection* running_on = nullptr;
  bool prepared_again = false;  // after the table changed under its prepared statement
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // What a connection tells its pool; each call is the last thing the connection does in that turn of the loop.
  struct Owner {
    virtual void connected(Connection& connection) = 0;
    virtual void connect_failed(Connection& connection, std::exception_ptr error) = 0;
    // The query finished (the connection is idle again) or failed (the connection may be closed: see open()).
    virtual void query_done(Connection& connection, std::unique_ptr<Query> query, std::exception_ptr error,
                            Result result) = 0;
    // An idle connection was closed by the server or the network.
    virtual void dropped(Connection& connection) = 0;

   protected:
    ~Owner() = default;
  };

  Connection(Loop& loop, Owner& owner);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void connect(const std::string& conninfo, std::chrono::milliseconds timeout);
  bool idle() const { return state_ == State::idle; }
  bool connecting() const { return state_ == State::connecting; }
  bool open() const { return state_ != State::closed; }
  // Sends query (the connection must be idle); calls nothing back. False, with the query untouched and the connection
  // closed, when the connection turned out to be dead before the server had the whole query (it may go to another).
  bool run(std::unique_ptr<Query>& query);
  // The running query, taken back after its timeout: the server is asked to cancel it (off the loop) and the
  // connection is closed.
  std::unique_ptr<Query> abandon();
  void close();

 private:
  struct Socket;
  enum class State { connecting, idle, busy, closed };

  void connect_step();
  void fail_connect(std::exception_ptr error);
  void on_ready(bool read);
  void on_idle_readable();
  void on_busy_ready();
  bool send_prepare(const std::string& sql);
  bool send_query(const Query& query);
  void prepared();
  void finish_query();
  void lose_query(const std::string& why);
  bool flush();  // false: the connection failed
  bool adopt_socket();
  void arm(bool read);

  Loop& loop_;
  Owner& owner_;
  pg_conn* conn_ = nullptr;
  std::unique_ptr<Socket> socket_;
  State state_ = State::closed;
  std::unique_ptr<Query> query_;
  pg_result* first_result_ = nullptr;  // of the running query; later ones are dropped
  bool flushing_ = false;
  static constexpr std::size_t max_prepared = 256;
  std::unordered_map<std::string, std::string> statements_;  // SQL -> the name it is prepared under
  std::string preparing_;  // the name of the statement being prepared, while it is
  unsigned statements_made_ = 0;
  TimerHandle connect_timeout_;
};

}  // namespace updraft::pg
