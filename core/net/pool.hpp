// Pool: free objects a loop keeps for reuse, so that busy connections do not allocate per message and idle ones hold
// nothing.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/net/read_buffer.hpp"

namespace updraft {

// The heap memory a pooled object keeps while it waits for reuse (found by argument-dependent lookup, so a protocol
// pools its own types by declaring their overload beside them).
inline std::size_t retained_bytes(const std::string& s) { return s.capacity(); }
inline std::size_t retained_bytes(const ReadBuffer&) { return 0; }  // fixed size, given back as a whole

// An object grown past max_bytes by one large message is freed instead of kept.
template <class T>
class Pool {
 public:
  Pool(std::size_t keep, std::size_t max_bytes) : keep_(keep), max_bytes_(max_bytes) {}
  std::unique_ptr<T> acquire() {
    if (free_.empty()) return std::unique_ptr<T>(new T);  // default-initialized: a fresh buffer's pages stay untouched
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

}  // namespace updraft
