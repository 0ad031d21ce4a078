// Slow path of the frame allocator: carve a new slab for a size class, or fall back to
// operator new for large frames.
#include <aio/core/detail/frame_allocator.hpp>

#include <cstdlib>
#include <mutex>
#include <vector>

namespace aio::detail {

#ifndef AIO_DETAIL_ASAN
namespace {
constexpr std::size_t slab_bytes = 64 * 1024;

// Slabs are kept reachable from a global list for the life of the process, so frames freed
// on another thread, or after their allocating thread exited, stay valid memory (and leak
// checkers see them as reachable).
struct slab_registry {
    std::mutex mutex;
    std::vector<void*> slabs;
};
slab_registry& registry() {
    static slab_registry* r = new slab_registry; // never destroyed: frames may outlive statics
    return *r;
}
} // namespace
#endif

void* allocate_frame_slow(std::size_t size) {
    const std::size_t cls = (size + frame_granule - 1) / frame_granule;
#ifndef AIO_DETAIL_ASAN
    if (cls <= frame_classes) {
        const std::size_t block = cls * frame_granule;
        void* slab = std::malloc(slab_bytes);
        if (!slab)
            throw std::bad_alloc();
        {
            auto& r = registry();
            std::lock_guard lock(r.mutex);
            r.slabs.push_back(slab);
        }
        // Thread the slab's blocks onto this thread's free list; hand out the first.
        char* base = static_cast<char*>(slab);
        const std::size_t n = slab_bytes / block;
        for (std::size_t i = n - 1; i >= 1; --i) {
            auto* f = reinterpret_cast<free_frame*>(base + i * block);
            f->next = t_free_frames[cls];
            t_free_frames[cls] = f;
        }
        return base;
    }
#else
    (void)cls;
#endif
    return ::operator new(size);
}

void deallocate_frame_slow(void* p, std::size_t) noexcept {
    ::operator delete(p);
}

} // namespace aio::detail
