// Per-thread recycling allocator for coroutine frames.
//
// Frames are rounded up to 16-byte size classes up to 2 KiB and recycled through a
// thread-local free list, so spawning a task or awaiting a coroutine does not call malloc
// on the hot path. The size is passed back at deallocation (sized delete), so there is no
// per-frame header. Slabs are never returned to the OS while the process runs; a frame
// freed on another thread simply joins that thread's free list. Under AddressSanitizer the
// recycler is bypassed so use-after-free of a frame is still caught.
#pragma once

#include <cstddef>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define AIO_DETAIL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AIO_DETAIL_ASAN 1
#endif
#endif

namespace aio::detail {

inline constexpr std::size_t frame_granule = 16;
inline constexpr std::size_t frame_classes = 128; // up to 2 KiB

struct free_frame {
    free_frame* next;
};

inline thread_local free_frame* t_free_frames[frame_classes + 1] = {};

void* allocate_frame_slow(std::size_t size);
void deallocate_frame_slow(void* p, std::size_t size) noexcept;

inline void* allocate_frame(std::size_t size) {
#ifndef AIO_DETAIL_ASAN
    const std::size_t cls = (size + frame_granule - 1) / frame_granule;
    if (cls <= frame_classes) {
        if (free_frame* f = t_free_frames[cls]) {
            t_free_frames[cls] = f->next;
            return f;
        }
    }
#endif
    return allocate_frame_slow(size);
}

inline void deallocate_frame(void* p, std::size_t size) noexcept {
#ifndef AIO_DETAIL_ASAN
    const std::size_t cls = (size + frame_granule - 1) / frame_granule;
    if (cls <= frame_classes) {
        auto* f = static_cast<free_frame*>(p);
        f->next = t_free_frames[cls];
        t_free_frames[cls] = f;
        return;
    }
#endif
    deallocate_frame_slow(p, size);
}

} // namespace aio::detail
