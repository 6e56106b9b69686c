// Wakeup: how other threads wake a reactor that sleeps in its selector, without
// a syscall per message. An eventfd is written only when the reactor has
// announced that it is going to sleep, and at most once per sleep.
//
// The sleep protocol (Seastar's try_enter_interrupt_mode, as a Dekker
// handshake):
//   reactor:  sleeping = true;  full fence;  look at its queues and stop flag
//   once more;
//             block only if they are empty.
//   producer: publish the work; full fence;  if sleeping and it wins the
//   exchange to
//             false, write the eventfd.
// The two fences are in one total order, so either the reactor's second look
// sees the work, or the producer sees `sleeping` and writes: a wakeup is never
// lost.
//
// Thread contract: notify() is thread-safe; everything else is Reactor thread
// only.
#ifndef GALE_REACTOR_INTERNAL_WAKEUP_H_
#define GALE_REACTOR_INTERNAL_WAKEUP_H_

#include <atomic>
#include <cstdint>

#include "absl/status/statusor.h"

namespace gale::internal {

// A full (StoreLoad) fence. ThreadSanitizer does not model atomic_thread_fence,
// so under it a locked read-modify-write on a thread-local stands in: on x86
// any locked instruction is a full barrier, which keeps the protocol correct in
// TSan builds too.
inline void full_fence() {
#if defined(__SANITIZE_THREAD__)
  thread_local std::atomic<int> barrier{0};
  barrier.fetch_add(0, std::memory_order_seq_cst);
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

class Wakeup {
 public:
  static absl::StatusOr<int> open_eventfd();

  explicit Wakeup(int event_fd) : event_fd_(event_fd) {}
  ~Wakeup();
  Wakeup(const Wakeup&) = delete;
  Wakeup& operator=(const Wakeup&) = delete;

  int fd() const { return event_fd_; }

  // Thread-safe. Call after publishing work or a stop request.
  void notify() {
    full_fence();
    if (state_.sleeping.load(std::memory_order_relaxed) &&
        state_.sleeping.exchange(false, std::memory_order_acq_rel)) {
      write_eventfd();
    }
  }

  // Reactor thread only. Announce the sleep; the caller must then re-check its
  // queues.
  void announce_sleep() {
    state_.sleeping.store(true, std::memory_order_relaxed);
    full_fence();
  }

  // Reactor thread only. The wait returned: producers need not write any more.
  void woke() { state_.sleeping.store(false, std::memory_order_relaxed); }

  // Reactor thread only. Consume the eventfd's counter after it polled
  // readable.
  void drain();

  // Thread-safe.
  uint64_t written() const {
    return state_.written.load(std::memory_order_relaxed);
  }

 private:
  void write_eventfd();

  int event_fd_;
  // Touched by producers: kept off the reactor's hot cache lines.
  struct alignas(64) SharedState {
    std::atomic<bool> sleeping{false};
    std::atomic<uint64_t> written{0};
  } state_;
};

}  // namespace gale::internal

#endif  // GALE_REACTOR_INTERNAL_WAKEUP_H_
