// pg::Database: a pool per loop, kept by an Asio service of the loop's io_context. The io_context shuts its services
// down in the reverse order they came, so the pools close their connections while the reactor their sockets are
// registered with (made with the loop's timers, before any pool) still exists.
#include "core/pg/database.hpp"

#include <atomic>
#include <boost/asio/execution_context.hpp>
#include <map>
#include <memory>

#include "core/net/loop_impl.hpp"

namespace updraft::pg {

namespace {
namespace asio = boost::asio;

class LoopPools final : public asio::execution_context::service {
 public:
  using key_type = LoopPools;
  static inline asio::execution_context::id id;
  explicit LoopPools(asio::execution_context& context) : service(context) {}
  void shutdown() override { pools.clear(); }

  std::map<std::uint64_t, std::unique_ptr<Pool>> pools;  // by Database id
};

std::atomic<std::uint64_t> databases{0};
}  // namespace

Database::Database(PoolOptions options) : options_(std::move(options)), id_(++databases) {}

Pool& Database::pool(Loop& loop) {
  loop.assert_in_loop_thread("pg::Database::pool");
  std::unique_ptr<Pool>& pool = asio::use_service<LoopPools>(loop.impl().io).pools[id_];
  if (!pool) pool = std::make_unique<Pool>(loop, options_);
  return *pool;
}

}  // namespace updraft::pg
