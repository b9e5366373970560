// pg::Database: one PostgreSQL database for a multi-loop server: each loop gets its own Pool (its connections are
// touched on that loop's thread only), made on first use. In a native handler:
//
//   pg::Result notes = co_await database.pool(loop()).query("select title from notes_note where id = $1", id);
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "core/pg/pool.hpp"

namespace updraft::pg {

class Database {
 public:
  explicit Database(PoolOptions options) : options_(std::move(options)) {}
  // Destroy it once its loops have stopped (or on the one loop's thread): the pools close their connections.
  ~Database() = default;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // The pool of loop; call on loop's thread.
  Pool& pool(Loop& loop);
  const PoolOptions& options() const { return options_; }

 private:
  const PoolOptions options_;
  std::mutex mutex_;  // guards the map only: each pool is its loop's
  std::map<const Loop*, std::unique_ptr<Pool>> pools_;
};

}  // namespace updraft::pg
