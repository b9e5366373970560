// ReadBuffer: one stream's input block, page-mapped so that releasing it gives the memory back to the system.
#pragma once

#include <cstddef>

namespace updraft {

// A stream holds one while it reads (Asio reads into it with no readiness re-arm per message) and gives it back after
// about half a second without input, or while its protocol is busy, so idle streams hold no buffer.
struct ReadBuffer {
  // Five pages: a 16 KiB WebSocket message with its frame header (16,392 bytes) fits one read. Only the pages a read
  // fills are ever touched.
  static constexpr std::size_t capacity = 20 * 1024;
  char data[capacity];

  // mmap/munmap instead of the heap: after a burst of connections, freed buffers leave no holes that keep RSS up.
  static void* operator new(std::size_t size);
  static void operator delete(void* p, std::size_t size);
};

}  // namespace updraft
