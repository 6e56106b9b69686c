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

#include "absl/status/status.h"
#include "reactor/internal/task_context.h"
#include "reactor/io_events.h"
#include "reactor/outcome.h"
#include "reactor/reactor.h"
#include "reactor/task.h"

namespace gale {
namespace internal {

class IoWaitAwaiter final : public CancelHook {
 public:
  IoWaitAwaiter(int fd, IoEvents interest, std::source_location where)
      : fd_(fd), interest_(interest), where_(where) {}
  IoWaitAwaiter(const IoWaitAwaiter&) = delete;
  IoWaitAwaiter& operator=(const IoWaitAwaiter&) = delete;
  ~IoWaitAwaiter() {
    if (registered_) {
      (void)context_->reactor().remove_handler(fd_);
      context_->resumed_from(this);
    }
  }

  bool await_ready() const noexcept { return false; }

  template <typename Promise>
  bool await_suspend(std::coroutine_handle<Promise> awaiting) {
    context_ = &context_of(awaiting);
    if (context_->cancel_requested()) {
      cancelled_ = true;
      return false;
    }
    awaiting_ = awaiting;
    status_ = context_->reactor().add_handler(
        fd_, interest_, [this](IoEvents events) { on_ready(events); }, where_);
    if (!status_.ok()) return false;
    registered_ = true;
    context_->suspend_in(this);
    return true;
  }

  IoEvents await_resume() const {
    if (cancelled_) throw CancelledError();
    if (!status_.ok()) throw StatusError(status_);
    return events_;
  }

  void on_cancel() override {
    unregister();
    cancelled_ = true;
    // Resume soon, from the reactor, never from inside the cancel call.
    context_->reactor().post([this] { awaiting_.resume(); }, where_);
  }

 private:
  void on_ready(IoEvents events) {
    events_ = events;
    unregister();
    context_->resumed_from(this);
    awaiting_.resume();
  }

  void unregister() {
    if (!registered_) return;
    registered_ = false;
    (void)context_->reactor().remove_handler(fd_);
  }

  int fd_;
  IoEvents interest_;
  std::source_location where_;
  TaskContext* context_ = nullptr;
  std::coroutine_handle<> awaiting_;
  absl::Status status_;
  IoEvents events_ = kNoEvents;
  bool registered_ = false;
  bool cancelled_ = false;
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
