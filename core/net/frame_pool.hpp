// Memory for Task coroutine frames: per-thread free lists by size, so that a frame costs a list pop, not a malloc.
#pragma once

#include <cstddef>

namespace updraft::detail {

// False in a build with AddressSanitizer, which must see each frame's life: frames then come from operator new alone.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kFramesPooled = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kFramesPooled = false;
#else
inline constexpr bool kFramesPooled = true;
#endif
#else
inline constexpr bool kFramesPooled = true;
#endif

// A frame of at least size bytes. Frames up to 4 KiB come from the calling thread's list for their size class (128
// bytes wide), refilled by free_frame(); larger ones, and every one when !kFramesPooled, come from operator new. A
// frame may be freed on another thread than the one that made it.
void* allocate_frame(std::size_t size);
// Gives a frame back (size: what allocate_frame was asked for) to this thread's list, while it holds under 256 KiB.
void free_frame(void* frame, std::size_t size) noexcept;

}  // namespace updraft::detail
