// ReadBuffer: one connection's input bytes, page-mapped so that releasing it gives the memory back to the system.
#pragma once

#include <cstddef>
#include <string_view>

namespace updraft {

// A connection holds one while it is active (Asio reads into it with no readiness re-arm per request) and
// gives it back after about half a second without input, so idle connections hold no buffer.
struct ReadBuffer {
  static constexpr std::size_t capacity = 16 * 1024 - 2 * sizeof(std::size_t);  // the whole struct: four pages
  // The offsets come first: a small request then touches one page of the buffer, not two.
  std::size_t begin = 0;
  std::size_t end = 0;
  char data[capacity];
  std::string_view pending() const { return {data + begin, end - begin}; }

  // mmap/munmap instead of the heap: after a burst of connections, freed buffers leave no holes that keep RSS up.
  static void* operator new(std::size_t size);
  static void operator delete(void* p, std::size_t size);
};

}  // namespace updraft
