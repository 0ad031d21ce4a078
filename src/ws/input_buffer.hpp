// A WebSocket connection's input: bytes read from the stream and not yet taken by the frame
// reader. The stream reads straight into it (stream::read_into), so a read allocates
// nothing. It starts small (an idle connection holds 16 KiB), grows to hold the largest
// frame seen, and doubles (up to 256 KiB) while reads fill all the room they are offered:
// a busy connection then takes several frames per read. It shrinks back once emptied.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>

namespace aio::ws::detail {

class input_buffer {
  public:
    static constexpr std::size_t initial = 16 * 1024;
    /// A read is offered at least this much room (the buffer is compacted or grown first).
    static constexpr std::size_t min_room = 4 * 1024;
    /// An emptied buffer bigger than this is given back (a giant frame passed).
    static constexpr std::size_t keep_at_most = 256 * 1024;

    explicit input_buffer(std::string_view first = {}) {
        if (!first.empty()) {
            reserve_room(first.size());
            std::memcpy(m_data.get(), first.data(), first.size());
            m_end = first.size();
        }
    }

    /// The bytes not yet consumed.
    std::string_view pending() const noexcept { return {m_data.get() + m_begin, m_end - m_begin}; }
    bool empty() const noexcept { return m_begin == m_end; }
    void consume(std::size_t n) noexcept {
        m_begin += n;
        if (m_begin == m_end)
            m_begin = m_end = 0;
    }
    /// Room at the end for the next read (at least min_room bytes): the pending bytes are
    /// moved to the front, and the buffer grows when they fill most of it.
    std::span<char> room() {
        if (m_begin == m_end && m_cap > keep_at_most) {
            m_data.reset();
            m_cap = 0;
            m_begin = m_end = 0;
        }
        reserve_room(m_filled && m_cap < keep_at_most ? m_cap : min_room);
        m_filled = false;
        m_offered = m_cap - m_end;
        return {m_data.get() + m_end, m_offered};
    }
    /// `n` bytes were read into room().
    void commit(std::size_t n) noexcept {
        m_end += n;
        m_filled = n == m_offered; // more is probably waiting: offer more next time
    }

  private:
    void reserve_room(std::size_t need) {
        if (m_cap - m_end >= need)
            return;
        const std::size_t used = m_end - m_begin;
        if (m_begin > 0 && m_cap - used >= need && used <= m_cap / 2) {
            std::memmove(m_data.get(), m_data.get() + m_begin, used); // compact
        } else {
            std::size_t cap = m_cap ? m_cap * 2 : initial;
            while (cap - used < need)
                cap *= 2;
            std::unique_ptr<char[]> grown(new char[cap]);
            if (used)
                std::memcpy(grown.get(), m_data.get() + m_begin, used);
            m_data = std::move(grown);
            m_cap = cap;
        }
        m_begin = 0;
        m_end = used;
    }

    std::unique_ptr<char[]> m_data;
    std::size_t m_cap = 0;
    std::size_t m_begin = 0;
    std::size_t m_end = 0;
    std::size_t m_offered = 0;
    bool m_filled = false;
};

} // namespace aio::ws::detail
