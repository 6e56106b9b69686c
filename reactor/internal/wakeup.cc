#include "reactor/internal/wakeup.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace gale::internal {

absl::StatusOr<int> Wakeup::open_eventfd() {
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, "eventfd");
  return fd;
}

Wakeup::~Wakeup() { ::close(event_fd_); }

void Wakeup::drain() {
  uint64_t count;
  // Non-blocking: EAGAIN means another drain got there first, which is fine.
  while (::read(event_fd_, &count, sizeof(count)) < 0 && errno == EINTR) {
  }
}

void Wakeup::write_eventfd() {
  const uint64_t one = 1;
  // EAGAIN only if the counter is about to overflow, which means a wakeup is
  // pending.
  while (::write(event_fd_, &one, sizeof(one)) < 0 && errno == EINTR) {
  }
  state_.written.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace gale::internal
