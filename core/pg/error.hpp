// pg::Error: what a PostgreSQL query throws: the connection failed or dropped, a timeout, the server's error (with its
// SQLSTATE), or a value read as a type it cannot be.
#pragma once

#include <stdexcept>
#include <string>

namespace updraft::pg {

class Error : public std::runtime_error {
 public:
  enum class Kind {
    connection,  // could not connect, or the connection dropped while the query ran (it is replaced on the next use)
    timeout,     // the connect or query timeout passed (a running query is cancelled on the server)
    server,      // the server refused the statement: syntax, constraint, type... (sqlstate() says which)
    usage,       // the program's mistake: NULL read as a non-optional, a column read as a type it is not, a NUL byte
  };

  Error(Kind kind, const std::string& message, std::string sqlstate = {})
      : std::runtime_error(message), kind_(kind), sqlstate_(std::move(sqlstate)) {}

  Kind kind() const { return kind_; }
  // The five-character SQLSTATE of a server error ("42601" for a syntax error); empty for the other kinds.
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  Kind kind_;
  std::string sqlstate_;
};

}  // namespace updraft::pg
