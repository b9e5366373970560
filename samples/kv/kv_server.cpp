// KvServer: a store per loop, a KvConnection per stream, expiry on the loops' ticks.
#include "samples/kv/kv_server.hpp"

#include <boost/container_hash/hash.hpp>

#include "core/net/stream.hpp"
#include "samples/kv/kv_connection.hpp"

namespace updraft::kv {

namespace {
constexpr std::size_t kExpiryBudget = 1000;  // deadlines looked at per tick and loop
}  // namespace

KvServer::KvServer(KvOptions options) : TCPServer(options.tcp), options_(std::move(options)) {
  for (std::size_t i = 0; i < loop_count(); ++i) stores_.push_back(std::make_unique<Store>());
}

KvServer::~KvServer() = default;

std::size_t KvServer::shard_of(std::string_view key) const {
  return boost::hash_range(key.begin(), key.end()) % stores_.size();
}

void KvServer::handle_stream(Stream& stream, std::size_t loop) {
  stream.set_handler(std::make_unique<KvConnection>(*this, loop, stream));
  stream.start_reading();
}

void KvServer::on_tick(std::size_t loop) { stores_[loop]->expire_due(kExpiryBudget); }

}  // namespace updraft::kv
