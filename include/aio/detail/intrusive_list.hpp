// A doubly-linked list threaded through its elements: the loop's detached work, the epoll
// backend's per-fd operation queues, wait lists, signal waiters. No allocation; O(1)
// append and removal of any element. Not part of the public API.
#pragma once

#include <utility>

namespace aio::detail {

/// Elements of type T carry their own links, the members named by Next and Prev (T* each,
/// null while unlinked). The list owns nothing and does not know which list an element is
/// in: callers that need that keep it in the element. Loop thread only, like its users.
template <class T, T* T::*Next, T* T::*Prev> class intrusive_list {
  public:
    intrusive_list() noexcept = default;
    /// Moving hands the elements over (the links live in them; a list may sit in a vector).
    intrusive_list(intrusive_list&& o) noexcept
        : m_head(std::exchange(o.m_head, nullptr)), m_tail(std::exchange(o.m_tail, nullptr)) {}
    intrusive_list& operator=(intrusive_list&& o) noexcept {
        m_head = std::exchange(o.m_head, nullptr);
        m_tail = std::exchange(o.m_tail, nullptr);
        return *this;
    }

    bool empty() const noexcept { return m_head == nullptr; }
    T* front() const noexcept { return m_head; }
    /// The element after `n` (null at the end). Read it before removing `n` to walk a list
    /// while removing from it.
    static T* next(const T* n) noexcept { return n->*Next; }

    void push_back(T* n) noexcept {
        n->*Next = nullptr;
        n->*Prev = m_tail;
        (m_tail ? m_tail->*Next : m_head) = n;
        m_tail = n;
    }
    /// Unlinks `n`, which must be in this list.
    void remove(T* n) noexcept {
        T* const prev = n->*Prev;
        T* const after = n->*Next;
        (prev ? prev->*Next : m_head) = after;
        (after ? after->*Prev : m_tail) = prev;
        n->*Next = n->*Prev = nullptr;
    }

  private:
    T* m_head = nullptr;
    T* m_tail = nullptr;
};

} // namespace aio::detail
