// NetContext: what one loop's streams share: options, buffer pools, the list of open streams, when reads start.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "core/net/keepalive_reads.hpp"
#include "core/net/pool.hpp"
#include "core/net/read_buffer.hpp"
#include "core/net/write_batch.hpp"

namespace updraft {

class Loop;
class Stream;

struct NetOptions {
  std::chrono::duration<double> write_timeout{60};  // between two writes making progress
  // A saturated loop starts the next reads of streams that have just answered after its turn (KeepAliveReads).
  bool defer_keepalive_reads = true;
  // Answers go out at the end of the loop's turn, all together (WriteBatch); false: as soon as each is written.
  bool batch_writes = false;
};

struct NetContext {
  NetContext(Loop& l, const NetOptions& o)
      : loop(l), options(o), keepalive_reads(l, o.defer_keepalive_reads), write_batch(l) {}
  Loop& loop;
  const NetOptions& options;
  // Active streams keep theirs; the pool absorbs the churn of short connections (up to 2 MiB per loop).
  Pool<ReadBuffer> read_buffers{128, 0};
  Pool<std::string> write_buffers{256, 64 * 1024};
  KeepAliveReads keepalive_reads;
  WriteBatch write_batch;
  Stream* streams = nullptr;  // intrusive list of open streams
  std::size_t stream_count = 0;
  bool draining = false;
};

}  // namespace updraft
