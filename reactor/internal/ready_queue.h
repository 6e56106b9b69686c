// ReadyQueue: the FIFO of callbacks a reactor runs next, kept in fixed-size
// chunks. A chunk emptied at the head is kept on a small spare list and reused
// at the tail, so a steady stream of callbacks allocates nothing, and a burst
// of ten million never copies what is already queued (a growing ring would, and
// a std::deque would allocate and free a block every few dozen callbacks).
//
// Callbacks are run where they lie (front(), then pop_front()), never moved
// out: a batch of ten million is written once when posted and read once when
// run.
//
// Thread contract: not thread-safe; Reactor thread only.
#ifndef GALE_REACTOR_INTERNAL_READY_QUEUE_H_
#define GALE_REACTOR_INTERNAL_READY_QUEUE_H_

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "reactor/callback.h"

namespace gale::internal {

class ReadyQueue {
 public:
  // 512 entries of 48 bytes: 24 KiB, below malloc's mmap threshold, so chunks
  // come from (and return to) the ordinary heap.
  static constexpr size_t kChunkSize = 512;
  // Spare chunks kept after a burst; more are freed.
  static constexpr size_t kMaxSpareChunks = 64;

  ReadyQueue() = default;
  ReadyQueue(const ReadyQueue&) = delete;
  ReadyQueue& operator=(const ReadyQueue&) = delete;
  ~ReadyQueue() { clear(); }

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  // Constructs the callback in its slot: no intermediate Callback to move.
  template <typename F>
  void push(F&& fn, std::source_location where) {
    if (tail_ == nullptr || tail_index_ == kChunkSize) append_chunk();
    ::new (tail_->slot(tail_index_++))
        Work{Callback(std::forward<F>(fn)), where};
    ++size_;
  }

  // The oldest callback, in place. Precondition: !empty(). It stays valid while
  // it runs, even if it pushes more callbacks.
  Work& front() { return *head_->slot(head_index_); }

  // Destroys the oldest callback. Precondition: !empty().
  void pop_front() {
    head_->slot(head_index_++)->~Work();
    --size_;
    if (head_index_ == kChunkSize || size_ == 0) retire_head_if_done();
  }

  // Destroys every queued callback without running it.
  void clear() {
    while (!empty()) pop_front();
  }

 private:
  // Raw storage: a Work exists in a slot only between push and pop_front.
  struct Chunk {
    Work* slot(size_t index) { return reinterpret_cast<Work*>(storage[index]); }
    alignas(Work) unsigned char storage[kChunkSize][sizeof(Work)];
    std::unique_ptr<Chunk> next;
  };

  void append_chunk() {
    std::unique_ptr<Chunk> chunk;
    if (!spare_.empty()) {
      chunk = std::move(spare_.back());
      spare_.pop_back();
    } else {
      chunk = std::make_unique<Chunk>();
    }
    Chunk* raw = chunk.get();
    if (tail_ == nullptr) {
      head_ = std::move(chunk);
      head_index_ = 0;
    } else {
      tail_->next = std::move(chunk);
    }
    tail_ = raw;
    tail_index_ = 0;
  }

  // The head chunk is done when it was read to its end, or when the queue just
  // emptied (then the single chunk is rewound instead of being swapped for a
  // spare).
  void retire_head_if_done() {
    if (size_ == 0 && head_.get() == tail_) {
      head_index_ = 0;
      tail_index_ = 0;
      return;
    }
    std::unique_ptr<Chunk> done = std::move(head_);
    head_ = std::move(done->next);
    head_index_ = 0;
    if (spare_.size() < kMaxSpareChunks) spare_.push_back(std::move(done));
  }

  std::unique_ptr<Chunk> head_;
  Chunk* tail_ = nullptr;
  size_t head_index_ = 0;
  size_t tail_index_ = 0;
  size_t size_ = 0;
  std::vector<std::unique_ptr<Chunk>> spare_;
};

}  // namespace gale::internal

#endif  // GALE_REACTOR_INTERNAL_READY_QUEUE_H_
