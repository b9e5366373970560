// WriteBatch: one posted call per turn flushes every stream that answered in it.
#include "core/net/write_batch.hpp"

#include <boost/asio/post.hpp>

#include "core/net/loop_impl.hpp"
#include "core/net/stream.hpp"

namespace updraft {

void WriteBatch::add(Stream& s) {
  waiting_.push_back(&s);
  if (posted_) return;
  posted_ = true;
  // A posted handler runs after every handler of this turn.
  boost::asio::post(loop_.impl().io, [this] { flush_all(); });
}

void WriteBatch::flush_all() {
  posted_ = false;
  flushing_.swap(waiting_);
  for (Stream* s : flushing_) s->flush_batched();
  // Their next reads start after the loop's next look at its sockets: a read then finds the next request, or the
  // socket already announced, instead of trying a socket just answered (EAGAIN).
  arming_.insert(arming_.end(), flushing_.begin(), flushing_.end());
  flushing_.clear();
  if (!arming_.empty() && !arm_posted_) {
    arm_posted_ = true;
    boost::asio::post(loop_.impl().io, [this] { arm_all(); });
  }
}

void WriteBatch::arm_all() {
  arm_posted_ = false;
  std::vector<Stream*> arming;
  arming.swap(arming_);
  for (Stream* s : arming) s->arm_batched();
}

}  // namespace updraft
