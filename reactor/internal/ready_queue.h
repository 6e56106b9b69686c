// ReadyQueue: the FIFO of callbacks a reactor runs next. A ring buffer whose
// capacity only grows (powers of two), so pushing and popping allocate nothing
// in steady state; a std::deque would allocate and free a block every few dozen
// callbacks.
//
// Thread contract: not thread-safe; Reactor thread only.
#ifndef GALE_REACTOR_INTERNAL_READY_QUEUE_H_
#define GALE_REACTOR_INTERNAL_READY_QUEUE_H_

#include <cstddef>
#include <memory>
#include <utility>

#include "reactor/callback.h"

namespace gale::internal {

class ReadyQueue {
 public:
  ReadyQueue()
      : slots_(std::make_unique<Work[]>(kInitialCapacity)),
        mask_(kInitialCapacity - 1) {}

  bool empty() const { return head_ == tail_; }
  size_t size() const { return tail_ - head_; }

  void push(Callback fn, std::source_location where) {
    if (size() == mask_ + 1) grow();
    Work& slot = slots_[tail_ & mask_];
    slot.fn = std::move(fn);
    slot.where = where;
    ++tail_;
  }

  // The oldest callback, moved out. Precondition: !empty().
  Work pop() {
    Work& slot = slots_[head_ & mask_];
    ++head_;
    return std::move(slot);
  }

  // Destroys every queued callback without running it.
  void clear() {
    while (!empty()) pop();
  }

 private:
  static constexpr size_t kInitialCapacity = 1024;

  void grow() {
    const size_t capacity = mask_ + 1;
    auto bigger = std::make_unique<Work[]>(capacity * 2);
    for (size_t i = 0; i < capacity; ++i)
      bigger[i] = std::move(slots_[(head_ + i) & mask_]);
    slots_ = std::move(bigger);
    mask_ = capacity * 2 - 1;
    head_ = 0;
    tail_ = capacity;
  }

  std::unique_ptr<Work[]> slots_;
  size_t mask_;
  size_t head_ = 0;  // monotonically increasing; index = counter & mask_
  size_t tail_ = 0;
};

}  // namespace gale::internal

#endif  // GALE_REACTOR_INTERNAL_READY_QUEUE_H_
