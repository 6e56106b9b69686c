// The default backend: level-triggered epoll. Waits with epoll_pwait2, whose
// nanosecond timeout lets a timer fire on time instead of up to a millisecond
// late; kernels older than 5.11 fall back to epoll_wait with the timeout
// rounded up to whole milliseconds.
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "reactor/internal/selector.h"
#include "reactor/internal/timespec.h"

namespace gale::internal {
namespace {

uint32_t to_epoll(IoEvents interest) {
  uint32_t mask = 0;
  if (interest & kReadable) mask |= EPOLLIN | EPOLLRDHUP;
  if (interest & kWritable) mask |= EPOLLOUT;
  return mask;
}

IoEvents from_epoll(uint32_t mask) {
  IoEvents events = kNoEvents;
  if (mask & (EPOLLIN | EPOLLRDHUP | EPOLLPRI)) events |= kReadable;
  if (mask & EPOLLOUT) events |= kWritable;
  if (mask & (EPOLLERR | EPOLLHUP)) events |= kIoError;
  return events;
}

int round_up_to_ms(Duration timeout) {
  if (timeout == kWaitForever) return -1;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
  return ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms < 0 ? 0 : ms);
}

class EpollSelector final : public Selector {
 public:
  explicit EpollSelector(int epoll_fd) : epoll_fd_(epoll_fd) {}
  ~EpollSelector() override { ::close(epoll_fd_); }

  absl::Status add(int fd, IoEvents interest, uint64_t token) override {
    return control(EPOLL_CTL_ADD, fd, interest, token);
  }

  absl::Status modify(int fd, IoEvents interest, uint64_t token) override {
    return control(EPOLL_CTL_MOD, fd, interest, token);
  }

  absl::Status remove(int fd) override {
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr) == 0)
      return absl::OkStatus();
    if (errno == EBADF || errno == ENOENT) return absl::OkStatus();
    return absl::ErrnoToStatus(errno,
                               absl::StrCat("epoll_ctl(DEL, fd ", fd, ")"));
  }

  void forget_closing(int /*fd*/) override {}

  absl::StatusOr<std::span<const ReadyEvent>> wait(Duration timeout) override {
    const int count = wait_raw(timeout);
    if (count < 0) {
      if (errno == EINTR) return std::span<const ReadyEvent>();
      return absl::ErrnoToStatus(errno, "epoll_pwait2");
    }
    for (int i = 0; i < count; ++i) {
      ready_[i] = ReadyEvent{raw_[i].data.u64, from_epoll(raw_[i].events)};
    }
    return std::span<const ReadyEvent>(ready_.data(), count);
  }

  const char* name() const override { return "epoll"; }

 private:
  static constexpr int kMaxEvents = 1024;

  absl::Status control(int op, int fd, IoEvents interest, uint64_t token) {
    epoll_event event{};
    event.events = to_epoll(interest);
    event.data.u64 = token;
    if (::epoll_ctl(epoll_fd_, op, fd, &event) == 0) return absl::OkStatus();
    return absl::ErrnoToStatus(
        errno,
        absl::StrCat(op == EPOLL_CTL_ADD ? "epoll_ctl(ADD" : "epoll_ctl(MOD",
                     ", fd ", fd, ")"));
  }

  int wait_raw(Duration timeout) {
    if (has_pwait2_) {
      timespec storage;
      const int count = ::epoll_pwait2(epoll_fd_, raw_.data(), kMaxEvents,
                                       to_timespec(timeout, storage), nullptr);
      if (count >= 0 || errno != ENOSYS) return count;
      has_pwait2_ = false;
    }
    return ::epoll_wait(epoll_fd_, raw_.data(), kMaxEvents,
                        round_up_to_ms(timeout));
  }

  int epoll_fd_;
  bool has_pwait2_ = true;
  std::array<epoll_event, kMaxEvents> raw_;
  std::array<ReadyEvent, kMaxEvents> ready_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Selector>> make_epoll_selector() {
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, "epoll_create1");
  return std::make_unique<EpollSelector>(fd);
}

}  // namespace gale::internal
