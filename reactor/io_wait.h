// wait_for_io(): suspends a task until a descriptor is ready, the coroutine
// form of Reactor::add_handler. The registration exists only while the task
// waits: it is removed when the task resumes, when the task is cancelled (then
// the await throws CancelledError) and when its frame is destroyed.
//
//   gale::Task<> drain(int fd) {
//     for (;;) {
//       gale::IoEvents events = co_await gale::wait_for_io(fd,
//       gale::kReadable); if (events & gale::kIoError) co_return;
//       read_what_is_there(fd);
//     }
//   }
//
// A descriptor that already has a handler (or that epoll refuses) makes the
// await throw StatusError with the add_handler status.
//
// Thread contract: Reactor thread only (awaited from a gale::Task).
#ifndef GALE_REACTOR_IO_WAIT_H_
#define GALE_REACTOR_IO_WAIT_H_

#include <coroutine>
#include <source_location>
#include <utility>

#include "absl/status/status.h"
#include "reactor/internal/suspend_point.h"
#include "reactor/io_events.h"
#include "reactor/outcome.h"
#include "reactor/reactor.h"
#include "reactor/task.h"

namespace gale {
namespace internal {

class IoWaitAwaiter final : public SuspendPoint {
 public:
  IoWaitAwaiter(int fd, IoEvents interest, std::source_location where)
      : SuspendPoint(where), fd_(fd), interest_(interest) {}
  // A frame destroyed while suspended here gives the registration back.
  ~IoWaitAwaiter() { unregister(); }

  bool await_ready() const noexcept { return false; }

  template <typename Promise>
  bool await_suspend(std::coroutine_handle<Promise> awaiting) {
    if (!enter(awaiting)) return false;
    status_ = reactor().add_handler(
        fd_, interest_, [this](IoEvents events) { on_ready(events); }, where());
    if (!status_.ok()) return false;
    registered_ = true;
    return suspend();
  }

  IoEvents await_resume() const {
    throw_if_cancelled();
    if (!status_.ok()) throw StatusError(status_);
    return events_;
  }

  void on_cancel() override {
    unregister();
    cancel_and_resume_later();
  }

 private:
  void on_ready(IoEvents events) {
    events_ = events;
    unregister();
    resume_now();
  }

  void unregister() {
    if (!std::exchange(registered_, false)) return;
    (void)reactor().remove_handler(fd_);
  }

  int fd_;
  IoEvents interest_;
  absl::Status status_;
  IoEvents events_ = kNoEvents;
  bool registered_ = false;
};

}  // namespace internal

// Suspends until `fd` is ready for `interest` (or reports kIoError); returns
// the ready events.
inline internal::IoWaitAwaiter wait_for_io(
    int fd, IoEvents interest,
    std::source_location where = std::source_location::current()) {
  return internal::IoWaitAwaiter(fd, interest, where);
}

}  // namespace gale

#endif  // GALE_REACTOR_IO_WAIT_H_
