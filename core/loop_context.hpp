// LoopContext: what one loop's connections share: configuration, buffer pools, the connection list, the access log,
// when keep-alive reads start.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/access_log.hpp"
#include "core/delegate.hpp"
#include "core/keepalive_reads.hpp"
#include "core/limits.hpp"
#include "core/loop.hpp"
#include "core/read_buffer.hpp"
#include "core/request_head.hpp"

namespace updraft {

class Connection;

struct ServerConfig {
  Limits limits;
  Timeouts timeouts;
  HandlerFactory* factory = nullptr;
  int access_log_fd = -1;
  bool defer_keepalive_reads = true;
  std::string access_log_format{AccessLog::kDefaultFormat};
};

// The heap memory a pooled object keeps while it waits for reuse.
inline std::size_t retained_bytes(const std::string& s) { return s.capacity(); }
inline std::size_t retained_bytes(const RequestHead& head) { return head.retained_bytes(); }
inline std::size_t retained_bytes(const ReadBuffer&) { return 0; }  // fixed size, given back as a whole

// Free objects kept for reuse so that busy connections do not allocate per request
// and idle ones hold nothing. An object grown past max_bytes by one large request is freed instead of kept.
template <class T>
class Pool {
 public:
  Pool(std::size_t keep, std::size_t max_bytes) : keep_(keep), max_bytes_(max_bytes) {}
  std::unique_ptr<T> acquire() {
    if (free_.empty()) return std::make_unique<T>();
    auto item = std::move(free_.back());
    free_.pop_back();
    return item;
  }
  void release(std::unique_ptr<T> item) {
    if (item && free_.size() < keep_ && retained_bytes(*item) <= max_bytes_) free_.push_back(std::move(item));
  }

 private:
  std::size_t keep_;
  std::size_t max_bytes_;
  std::vector<std::unique_ptr<T>> free_;
};

struct LoopContext {
  LoopContext(Loop& l, const ServerConfig& c)
      : loop(l), config(c), access_log(c.access_log_fd, c.access_log_format), keepalive_reads(l, c.defer_keepalive_reads) {}
  Loop& loop;
  const ServerConfig& config;
  Pool<ReadBuffer> read_buffers{32, 0};  // active connections keep theirs: the pool only absorbs churn
  Pool<std::string> write_buffers{256, 64 * 1024};
  Pool<RequestHead> heads{256, RequestHead::kMaxPooledBytes};
  AccessLog access_log;
  KeepAliveReads keepalive_reads;
  Connection* connections = nullptr;  // intrusive list
  std::size_t connection_count = 0;
  bool draining = false;
};

}  // namespace updraft
