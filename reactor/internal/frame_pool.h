// FramePool: where task coroutine frames come from. Frames are allocated and
// freed at a high rate — a task per request, per connection, per coroutine
// handler — so each thread keeps free lists of recently freed frames by size
// class (64-byte steps up to 1 KiB) and reuses them: in steady state a task
// costs no malloc. Bigger frames, and every frame under AddressSanitizer
// (which must see each allocation to find use-after-free), go to the global
// allocator. A frame freed on another thread than its own joins that thread's
// lists. Internal.
//
//   void* frame = FramePool::allocate(size);   // promise_type::operator new
//   FramePool::release(frame, size);           // promise_type::operator delete
//   std::allocate_shared<State>(FramePoolAllocator<State>(), ...);
//
// Thread contract: thread-safe (per-thread lists; no sharing).
#ifndef GALE_REACTOR_INTERNAL_FRAME_POOL_H_
#define GALE_REACTOR_INTERNAL_FRAME_POOL_H_

#include <array>
#include <cstddef>
#include <new>

namespace gale::internal {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kPoolFrames = false;
#else
inline constexpr bool kPoolFrames = true;
#endif

class FramePool {
 public:
  static constexpr size_t kStep = 64;
  static constexpr size_t kClasses = 16;  // up to 1 KiB
  static constexpr size_t kMaxPerClass = 256;

  static void* allocate(size_t size) {
    const size_t index = class_of(size);
    if (!kPoolFrames || index >= kClasses || lists_gone()) {
      return ::operator new(size);
    }
    Lists& lists = local();
    if (FreeBlock* block = lists.heads[index]) {
      lists.heads[index] = block->next;
      --lists.counts[index];
      return block;
    }
    return ::operator new((index + 1) * kStep);
  }

  static void release(void* frame, size_t size) noexcept {
    const size_t index = class_of(size);
    if (!kPoolFrames || index >= kClasses || lists_gone()) {
      ::operator delete(frame);
      return;
    }
    Lists& lists = local();
    if (lists.counts[index] >= kMaxPerClass) {
      ::operator delete(frame);
      return;
    }
    auto* block = static_cast<FreeBlock*>(frame);
    block->next = lists.heads[index];
    lists.heads[index] = block;
    ++lists.counts[index];
  }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  struct Lists {
    std::array<FreeBlock*, kClasses> heads{};
    std::array<size_t, kClasses> counts{};
    ~Lists() {
      lists_gone() = true;  // frames freed later in thread exit bypass us
      for (FreeBlock* head : heads) {
        while (head != nullptr) {
          FreeBlock* next = head->next;
          ::operator delete(head);
          head = next;
        }
      }
    }
  };

  static size_t class_of(size_t size) { return (size + kStep - 1) / kStep - 1; }
  // Set once this thread's lists are destroyed (thread exit): a bool has no
  // destructor, so it is still readable then.
  static bool& lists_gone() {
    thread_local bool gone = false;
    return gone;
  }
  static Lists& local() {
    thread_local Lists lists;
    return lists;
  }
};

// The same lists as a standard allocator, for what is made as often as a
// frame: std::allocate_shared(FramePoolAllocator<T>(), ...) — a spawned
// task's shared state — allocates nothing in steady state.
template <typename T>
struct FramePoolAllocator {
  using value_type = T;
  FramePoolAllocator() = default;
  template <typename U>
  FramePoolAllocator(const FramePoolAllocator<U>&) noexcept {}  // NOLINT
  T* allocate(size_t n) {
    return static_cast<T*>(FramePool::allocate(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) noexcept {
    FramePool::release(p, n * sizeof(T));
  }
  template <typename U>
  bool operator==(const FramePoolAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace gale::internal

#endif  // GALE_REACTOR_INTERNAL_FRAME_POOL_H_
