// ReadBuffer's page-mapped allocation.
#include "core/net/read_buffer.hpp"

#include <sys/mman.h>

#include <new>

namespace updraft {

static_assert(sizeof(ReadBuffer) % 4096 == 0, "ReadBuffer should fill whole pages");

void* ReadBuffer::operator new(std::size_t size) {
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  return p;
}

void ReadBuffer::operator delete(void* p, std::size_t size) { ::munmap(p, size); }

}  // namespace updraft
