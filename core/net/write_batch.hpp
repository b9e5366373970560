// WriteBatch: the streams whose answers wait for the end of the loop's turn, to go out together (Redis's way).
#pragma once

#include <vector>

namespace updraft {

class Loop;
class Stream;

// With NetOptions::batch_writes, a stream that answered during a turn of the loop sends at its end, after every
// request that arrived with it was read and answered: clients get their answers in one burst and read them with one
// wake-up, which is what a server for many small pipelined requests (the key-value sample) is limited by.
class WriteBatch {
 public:
  explicit WriteBatch(Loop& loop) : loop_(loop) {}
  // s.flush_batched() runs at the end of this turn.
  void add(Stream& s);

 private:
  void flush_all();
  void arm_all();
  Loop& loop_;
  std::vector<Stream*> waiting_;
  std::vector<Stream*> flushing_;
  std::vector<Stream*> arming_;
  bool posted_ = false;
  bool arm_posted_ = false;
};

}  // namespace updraft
