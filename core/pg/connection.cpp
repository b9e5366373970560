// pg::Connection: libpq's asynchronous API on an Asio descriptor over PQsocket (released, never closed: libpq owns the
// socket), one-shot waits re-armed while libpq wants to read or write.
#include "core/pg/connection.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <utility>

#include "core/net/executor.hpp"
#include "core/net/loop_impl.hpp"

namespace updraft::pg {

namespace asio = boost::asio;

struct Connection::Socket {
  explicit Socket(asio::io_context& io) : descriptor(io) {}
  asio::posix::stream_descriptor descriptor;
  unsigned generation = 0;  // waits of an earlier descriptor (released meanwhile) are ignored
  bool read_armed = false, write_armed = false;

  void release() {
    if (!descriptor.is_open()) return;
    descriptor.release();  // cancels the pending waits; libpq keeps (and closes) the socket
    ++generation;
    read_armed = write_armed = false;
  }
};

namespace {
std::string message_of(pg_conn* conn, const char* fallback) {
  std::string message = conn ? PQerrorMessage(conn) : "";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message.empty() ? fallback : message;
}

std::exception_ptr connection_error(const std::string& what) {
  return std::make_exception_ptr(Error(Error::Kind::connection, "PostgreSQL: " + what));
}

// Server errors that mean the session is gone (class 08: connection exception; 57P: operator intervention, such as
// pg_terminate_backend or a shutdown) are connection errors, whatever the server's words.
// The server's notices and warnings ("table does not exist, skipping") go to the log, not to stderr.
void log_notice(void*, const char* message) {
  std::string_view text(message);
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  spdlog::debug("PostgreSQL: {}", text);
}

bool session_ended(const std::string& sqlstate) {
  return sqlstate.starts_with("08") || sqlstate.starts_with("57P");
}
}  // namespace

Connection::Connection(Loop& loop, Owner& owner)
    : loop_(loop), owner_(owner), socket_(std::make_unique<Socket>(loop.impl().io)) {}

Connection::~Connection() { close(); }

void Connection::close() {
  connect_timeout_.cancel();
  socket_->release();
  if (first_result_) PQclear(std::exchange(first_result_, nullptr));
  if (conn_) PQfinish(std::exchange(conn_, nullptr));
  state_ = State::closed;
}

void Connection::connect(const std::string& conninfo, std::chrono::milliseconds timeout) {
  conn_ = PQconnectStart(conninfo.c_str());
  state_ = State::connecting;
  if (conn_) PQsetNoticeProcessor(conn_, log_notice, nullptr);
  if (!conn_ || PQstatus(conn_) == CONNECTION_BAD)
    return fail_connect(connection_error(message_of(conn_, "cannot start a connection")));
  connect_timeout_ = loop_.call_later(timeout, [weak = weak_from_this(), timeout] {
    if (auto self = weak.lock())
      self->fail_connect(std::make_exception_ptr(Error(
          Error::Kind::timeout, "PostgreSQL: no connection after " + std::to_string(timeout.count()) + " ms")));
  });
  if (!adopt_socket()) return;
  arm(false);  // as if PQconnectPoll had answered PGRES_POLLING_WRITING
}

// One step of PQconnectPoll. The socket may change between steps (libpq tries each address in turn), so the
// descriptor is released before and adopted again after.
void Connection::connect_step() {
  socket_->release();
  switch (PQconnectPoll(conn_)) {
    case PGRES_POLLING_OK:
      connect_timeout_.cancel();
      if (!adopt_socket()) return;
      if (PQsetnonblocking(conn_, 1) != 0) return fail_connect(connection_error(message_of(conn_, "non-blocking")));
      state_ = State::idle;
      arm(true);  // an idle connection watches for the server closing it
      return owner_.connected(*this);
    case PGRES_POLLING_READING:
      if (adopt_socket()) arm(true);
      return;
    case PGRES_POLLING_WRITING:
      if (adopt_socket()) arm(false);
      return;
    default:
      return fail_connect(connection_error(message_of(conn_, "connection failed")));
  }
}

void Connection::fail_connect(std::exception_ptr error) {
  close();
  owner_.connect_failed(*this, std::move(error));
}

bool Connection::adopt_socket() {
  const int fd = PQsocket(conn_);
  boost::system::error_code ec;
  if (fd >= 0) socket_->descriptor.assign(fd, ec);
  if (fd < 0 || ec) {
    fail_connect(connection_error(fd < 0 ? "no socket" : "cannot watch the socket: " + ec.message()));
    return false;
  }
  return true;
}

void Connection::arm(bool read) {
  bool& armed = read ? socket_->read_armed : socket_->write_armed;
  if (armed) return;
  armed = true;
  socket_->descriptor.async_wait(
      read ? asio::posix::descriptor_base::wait_read : asio::posix::descriptor_base::wait_write,
      [weak = weak_from_this(), generation = socket_->generation, read](const boost::system::error_code& ec) {
        auto self = weak.lock();
        if (!self || self->socket_->generation != generation) return;
        (read ? self->socket_->read_armed : self->socket_->write_armed) = false;
        if (!ec) self->on_ready(read);
      });
}

void Connection::on_ready(bool read) {
  auto keep_alive = shared_from_this();  // the owner may forget this connection from its callbacks
  switch (state_) {
    case State::connecting: return connect_step();
    case State::idle: return on_idle_readable();
    case State::busy: return on_busy_ready();
    case State::closed: return;
  }
}

void Connection::on_idle_readable() {
  if (!PQconsumeInput(conn_) || PQstatus(conn_) == CONNECTION_BAD) {
    close();
    return owner_.dropped(*this);
  }
  while (PGnotify* notice = PQnotifies(conn_)) PQfreemem(notice);
  arm(true);
}

bool Connection::run(std::unique_ptr<Query>& query) {
  if (PQstatus(conn_) != CONNECTION_OK) {
    close();
    return false;
  }
  // A statement seen before on this connection runs prepared (parsed and planned once); a new one is prepared first,
  // unless the connection holds max_prepared already (SQL built on the fly must not grow it without bound).
  bool sent;
  if (statements_.contains(query->sql) || statements_.size() >= max_prepared) {
    sent = send_query(*query);
  } else {
    sent = send_prepare(query->sql);
  }
  // The server runs a query once it has all of it: one that could not be flushed whole can go elsewhere.
  if (!sent || !flush()) {
    close();
    return false;
  }
  query_ = std::move(query);
  query_->running_on = this;
  state_ = State::busy;
  return true;
}

bool Connection::send_prepare(const std::string& sql) {
  preparing_ = "updraft_" + std::to_string(++statements_made_);
  return PQsendPrepare(conn_, preparing_.c_str(), sql.c_str(), 0, nullptr);
}

bool Connection::send_query(const Query& query) {
  std::vector<const char*> values;
  values.reserve(query.params.size());
  for (const Param& param : query.params) values.push_back(param ? param->c_str() : nullptr);
  auto statement = statements_.find(query.sql);
  if (statement != statements_.end())
    return PQsendQueryPrepared(conn_, statement->second.c_str(), int(values.size()), values.data(), nullptr, nullptr,
                               0);
  return PQsendQueryParams(conn_, query.sql.c_str(), int(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
}

// The statement is prepared: the query itself goes now; a statement the server refused fails the query.
void Connection::prepared() {
  PGresult* result = std::exchange(first_result_, nullptr);
  const bool ok = result && PQresultStatus(result) == PGRES_COMMAND_OK;
  std::string name = std::move(preparing_);
  preparing_.clear();
  if (!ok) {
    first_result_ = result;
    return finish_query();
  }
  PQclear(result);
  statements_.emplace(query_->sql, std::move(name));
  if (!send_query(*query_) || !flush()) return lose_query(message_of(conn_, "cannot send the query"));
}

bool Connection::flush() {
  const int status = PQflush(conn_);
  if (status < 0) return false;
  flushing_ = status == 1;
  if (flushing_) arm(false);
  arm(true);
  return true;
}

void Connection::on_busy_ready() {
  // On a connection that dropped, libpq still hands over what the server said last (a FATAL error), then nothing.
  const bool input = PQconsumeInput(conn_);
  if (input && flushing_ && !flush()) return lose_query(message_of(conn_, "cannot send the query"));
  while (!PQisBusy(conn_)) {
    PGresult* result = PQgetResult(conn_);
    if (!result && !preparing_.empty()) return prepared();
    if (!result) return finish_query();
    if (first_result_) PQclear(result);
    else first_result_ = result;
  }
  if (!input || PQstatus(conn_) == CONNECTION_BAD) return lose_query(message_of(conn_, "connection lost"));
  arm(true);
}

void Connection::finish_query() {
  std::exception_ptr error;
  Result result;
  PGresult* first = std::exchange(first_result_, nullptr);
  const ExecStatusType status = first ? PQresultStatus(first) : PGRES_FATAL_ERROR;
  if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
    result = Result(first);
  } else {
    std::string message = first ? PQresultErrorMessage(first) : "";
    while (!message.empty() && message.back() == '\n') message.pop_back();
    const char* code = first ? PQresultErrorField(first, PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = code ? code : "";
    if (first) PQclear(first);
    // "cached plan must not change result type": the table changed since the statement was prepared here. Nothing
    // ran; it is prepared again and run, once.
    if (sqlstate == "0A000" && statements_.erase(query_->sql) && !query_->prepared_again) {
      query_->prepared_again = true;
      if (!send_prepare(query_->sql) || !flush())
        return lose_query(message_of(conn_, "cannot send the query"));
      return;
    }
    if (message.empty()) message = message_of(conn_, "the query failed");
    const bool ended = session_ended(sqlstate) || PQstatus(conn_) == CONNECTION_BAD;
    error = std::make_exception_ptr(
        Error(ended ? Error::Kind::connection : Error::Kind::server, "PostgreSQL: " + message, std::move(sqlstate)));
    if (ended) close();
  }
  std::unique_ptr<Query> query = std::move(query_);
  query->running_on = nullptr;
  if (state_ == State::busy) {
    state_ = State::idle;
    arm(true);
  }
  owner_.query_done(*this, std::move(query), std::move(error), std::move(result));
}

void Connection::lose_query(const std::string& why) {
  close();
  std::unique_ptr<Query> query = std::move(query_);
  query->running_on = nullptr;
  owner_.query_done(*this, std::move(query), connection_error(why), Result());
}

std::unique_ptr<Query> Connection::abandon() {
  if (PGcancel* cancel = PQgetCancel(conn_)) {
    // PQcancel opens a connection of its own and waits for the server: never on the loop.
    Executor::shared().submit([cancel] {
      char error[256];
      PQcancel(cancel, error, sizeof error);
      PQfreeCancel(cancel);
    });
  }
  close();
  std::unique_ptr<Query> query = std::move(query_);
  if (query) query->running_on = nullptr;
  return query;
}

}  // namespace updraft::pg
