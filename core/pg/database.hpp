// pg::Database: one PostgreSQL database for a multi-loop server: each loop gets its own Pool (its connections are
// touched on that loop's thread only), made on first use and closed with the loop. In a native handler:
//
//   pg::Result notes = co_await database.pool(loop()).query("select title from notes_note where id = $1", id);
#pragma once

#include <cstdint>

#include "core/pg/pool.hpp"

namespace updraft::pg {

class Database {
 public:
  explicit Database(PoolOptions options);
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // The pool of loop, made on first use; call on loop's thread. The loop keeps it, and closes its connections when
  // it is destroyed (a server's loops go when run() returns), whether or not this Database still exists.
  Pool& pool(Loop& loop);
  const PoolOptions& options() const { return options_; }

 private:
  const PoolOptions options_;
  const std::uint64_t id_;  // the key of its pools in each loop
};

}  // namespace updraft::pg
