// pg::Database: a pool per loop, made on first use.
#include "core/pg/database.hpp"

namespace updraft::pg {

Pool& Database::pool(Loop& loop) {
  std::lock_guard lock(mutex_);
  std::unique_ptr<Pool>& pool = pools_[&loop];
  if (!pool) pool = std::make_unique<Pool>(loop, options_);
  return *pool;
}

}  // namespace updraft::pg
