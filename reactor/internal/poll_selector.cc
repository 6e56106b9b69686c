// The fallback backend: ppoll(2) over a dense array of pollfd, with an fd →
// slot index so that add, modify and remove are O(1). Useful where epoll is
// unavailable and as a second implementation that keeps the Selector contract
// honest in tests.
#include <errno.h>
#include <poll.h>

#include <vector>

#include "absl/strings/str_cat.h"
#include "reactor/internal/selector.h"
#include "reactor/internal/timespec.h"

namespace gale::internal {
namespace {

short to_poll(IoEvents interest) {
  short mask = 0;
  if (interest & kReadable) mask |= POLLIN | POLLRDHUP;
  if (interest & kWritable) mask |= POLLOUT;
  return mask;
}

IoEvents from_poll(short mask) {
  IoEvents events = kNoEvents;
  if (mask & (POLLIN | POLLRDHUP | POLLPRI)) events |= kReadable;
  if (mask & POLLOUT) events |= kWritable;
  if (mask & (POLLERR | POLLHUP | POLLNVAL)) events |= kIoError;
  return events;
}

class PollSelector final : public Selector {
 public:
  absl::Status add(int fd, IoEvents interest, uint64_t token) override {
    if (fd < 0)
      return absl::InvalidArgumentError(absl::StrCat("poll: bad fd ", fd));
    if (slot_of(fd) >= 0) {
      return absl::AlreadyExistsError(
          absl::StrCat("poll: fd ", fd, " already added"));
    }
    if (static_cast<size_t>(fd) >= slot_by_fd_.size())
      slot_by_fd_.resize(fd + 1, -1);
    slot_by_fd_[fd] = static_cast<int>(fds_.size());
    fds_.push_back(pollfd{fd, to_poll(interest), 0});
    tokens_.push_back(token);
    ready_.reserve(fds_.size());  // wait() then never allocates
    return absl::OkStatus();
  }

  absl::Status modify(int fd, IoEvents interest, uint64_t token) override {
    const int slot = slot_of(fd);
    if (slot < 0)
      return absl::NotFoundError(absl::StrCat("poll: fd ", fd, " not added"));
    fds_[slot].events = to_poll(interest);
    tokens_[slot] = token;
    return absl::OkStatus();
  }

  absl::Status remove(int fd) override {
    const int slot = slot_of(fd);
    if (slot < 0) return absl::OkStatus();
    const int last = static_cast<int>(fds_.size()) - 1;
    fds_[slot] = fds_[last];
    tokens_[slot] = tokens_[last];
    slot_by_fd_[fds_[slot].fd] = slot;
    fds_.pop_back();
    tokens_.pop_back();
    slot_by_fd_[fd] = -1;
    return absl::OkStatus();
  }

  absl::StatusOr<std::span<const ReadyEvent>> wait(Duration timeout) override {
    timespec storage;
    const int count = ::ppoll(fds_.data(), fds_.size(),
                              to_timespec(timeout, storage), nullptr);
    ready_.clear();
    if (count < 0) {
      if (errno == EINTR) return std::span<const ReadyEvent>();
      return absl::ErrnoToStatus(errno, "ppoll");
    }
    for (size_t i = 0;
         i < fds_.size() && ready_.size() < static_cast<size_t>(count); ++i) {
      if (fds_[i].revents != 0) {
        ready_.push_back(ReadyEvent{tokens_[i], from_poll(fds_[i].revents)});
      }
    }
    return std::span<const ReadyEvent>(ready_);
  }

  const char* name() const override { return "poll"; }

 private:
  int slot_of(int fd) const {
    if (fd < 0 || static_cast<size_t>(fd) >= slot_by_fd_.size()) return -1;
    return slot_by_fd_[fd];
  }

  std::vector<pollfd> fds_;
  std::vector<uint64_t> tokens_;
  std::vector<int> slot_by_fd_;
  std::vector<ReadyEvent> ready_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Selector>> make_poll_selector() {
  return std::make_unique<PollSelector>();
}

}  // namespace gale::internal
