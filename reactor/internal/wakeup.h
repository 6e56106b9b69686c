// Wakeup: how other threads wake a reactor that sleeps in its selector, without
// a syscall per message. An eventfd is written only when the reactor has
// announced that it is going to sleep, and at most once per sleep.
//
// The sleep protocol (Seastar's try_enter_interrupt_mode, a Dekker handshake):
//
//   reactor:   sleeping = true;  heavy barrier;  look at the queues and the
//              stop flag once more; block only if there is nothing.
//   producer:  publish the work;  light barrier;  if sleeping, and it wins the
//              exchange to false, write the eventfd.
//
// The barriers order each side's store before its load (asymmetric_barrier.h),
// so either the reactor's second look sees the work or the producer sees
// `sleeping` and writes: a wakeup is never lost. The producer's barrier is a
// compiler barrier only, so a post costs no fence; the reactor pays a
// membarrier when it really goes to sleep.
//
// Thread contract: notify() is thread-safe; everything else is Reactor thread
// only.
#ifndef GALE_REACTOR_INTERNAL_WAKEUP_H_
#define GALE_REACTOR_INTERNAL_WAKEUP_H_

#include <atomic>
#include <cstdint>

#include "absl/status/statusor.h"
#include "reactor/internal/asymmetric_barrier.h"

namespace gale::internal {

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
    light_barrier();
    if (state_.sleeping.load(std::memory_order_relaxed) &&
        state_.sleeping.exchange(false, std::memory_order_acq_rel)) {
      write_eventfd();
    }
  }

  // Reactor thread only. Announce the sleep; the caller must then re-check its
  // queues.
  void announce_sleep() {
    state_.sleeping.store(true, std::memory_order_relaxed);
    heavy_barrier();
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
