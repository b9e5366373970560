// Task frames from per-thread free lists: reused by the next frame of their size class, on the thread that freed them.
#include "core/net/frame_pool.hpp"

#include <catch2/catch.hpp>

#include <new>
#include <thread>

using namespace updraft::detail;

TEST_CASE("a freed frame is the next one of its size class", "[frame_pool]") {
  if (!kFramesPooled) {
    WARN("not pooled in a build with AddressSanitizer: checked in the main build");
    return;
  }
  void* first = allocate_frame(1900);
  free_frame(first, 1900);
  void* decoy = ::operator new(1920);  // given back to malloc, the frame's block would be this
  void* second = allocate_frame(1910);  // the same 128-byte class
  CHECK(second == first);
  CHECK(decoy != first);
  void* other = allocate_frame(2100);  // another class: a new block
  CHECK(other != first);
  ::operator delete(decoy);
  free_frame(second, 1910);
  free_frame(other, 2100);
}

TEST_CASE("a frame freed on another thread serves that thread next", "[frame_pool]") {
  if (!kFramesPooled) {
    WARN("not pooled in a build with AddressSanitizer: checked in the main build");
    return;
  }
  void* frame = allocate_frame(3000);
  void* reused = nullptr;
  std::thread other([&] {
    free_frame(frame, 3000);
    void* decoy = ::operator new(3072);  // given back to malloc, the frame's block would be this
    reused = allocate_frame(3000);
    ::operator delete(decoy);
    free_frame(reused, 3000);
  });  // the thread's lists are freed as it exits
  other.join();
  CHECK(reused == frame);
}

TEST_CASE("frames over 4 KiB and of every size work alike", "[frame_pool]") {
  for (std::size_t size : {1u, 127u, 128u, 129u, 4096u, 4097u, 100000u}) {
    auto* bytes = static_cast<unsigned char*>(allocate_frame(size));
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<unsigned char>(i);  // all of it is writable
    CHECK(bytes[size - 1] == static_cast<unsigned char>(size - 1));
    free_frame(bytes, size);
  }
}
