// OperationAllocator: an Asio operation's memory at its own size, for operations that should not take a recycled block.
#pragma once

#include <cstddef>
#include <memory>

namespace updraft {

// Asio's default for an operation's memory is its thread's recycled blocks: a block freed by an operation that
// completed, taken by the next operation it is large enough for. Blocks never shrink, so every operation later pending
// in one (a stream's read, waiting as long as its connection idles) holds the largest size in circulation. Bound to a
// handler (boost::asio::bind_allocator), this allocates a rare, large operation (an accept, 232 bytes) on its own
// instead, and keeps it out of circulation.
template <class T>
struct OperationAllocator {
  using value_type = T;
  OperationAllocator() = default;
  template <class U>
  OperationAllocator(const OperationAllocator<U>&) {}
  T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, std::size_t n) { std::allocator<T>().deallocate(p, n); }
  friend bool operator==(const OperationAllocator&, const OperationAllocator&) { return true; }
  friend bool operator!=(const OperationAllocator&, const OperationAllocator&) { return false; }
};

}  // namespace updraft
