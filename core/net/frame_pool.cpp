// Task frames from per-thread free lists: the three frames of an HTTP fetch are about 2 KiB each, over what malloc's
// per-thread cache keeps (1 KiB), so each took malloc's slower path (its bins, coalescing) twice per request.
#include "core/net/frame_pool.hpp"

#include <new>

namespace updraft::detail {

namespace {

constexpr std::size_t kClassBytes = 128;
constexpr std::size_t kClasses = 32;                   // frames up to 4 KiB
constexpr std::size_t kMaxKeptBytes = 256 * 1024;      // per thread

struct FreeFrame {
  FreeFrame* next;
};

// One thread's lists; emptied (and gone for good) when the thread exits.
struct FreeLists {
  FreeFrame* head[kClasses] = {};
  std::size_t kept_bytes = 0;
  ~FreeLists();
};

thread_local bool lists_gone = false;  // trivially destructible: still readable while the thread's objects die
thread_local FreeLists lists;

FreeLists::~FreeLists() {
  lists_gone = true;
  for (std::size_t c = 0; c < kClasses; ++c)
    while (FreeFrame* f = head[c]) {
      head[c] = f->next;
      ::operator delete(f);
    }
}

std::size_t size_class(std::size_t size) { return (size + kClassBytes - 1) / kClassBytes; }  // 1..kClasses pooled

}  // namespace

void* allocate_frame(std::size_t size) {
  std::size_t c = size_class(size);
  if (!kFramesPooled || c > kClasses || lists_gone) return ::operator new(size);
  if (FreeFrame* f = lists.head[c - 1]) {
    lists.head[c - 1] = f->next;
    lists.kept_bytes -= c * kClassBytes;
    return f;
  }
  return ::operator new(c * kClassBytes);
}

void free_frame(void* frame, std::size_t size) noexcept {
  std::size_t c = size_class(size);
  if (!kFramesPooled || c > kClasses || lists_gone || lists.kept_bytes + c * kClassBytes > kMaxKeptBytes) {
    ::operator delete(frame);
    return;
  }
  auto* f = static_cast<FreeFrame*>(frame);
  f->next = lists.head[c - 1];
  lists.head[c - 1] = f;
  lists.kept_bytes += c * kClassBytes;
}

}  // namespace updraft::detail
