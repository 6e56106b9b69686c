// UniqueFd: sole ownership of a file descriptor, closed when the owner goes.
// Sockets pass from the acceptor to a stream, and from a stream to nobody,
// as UniqueFds, so a descriptor is never leaked by an early return nor closed
// twice.
//
//   gale::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
//   if (!fd) return gale::errno_status(errno, "socket");
//   use(fd.get());
//   int raw = fd.release();  // now the caller closes it
//
// Thread contract: none of its own (a plain value type).
#ifndef GALE_NET_UNIQUE_FD_H_
#define GALE_NET_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace gale {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }

  // Gives up ownership without closing.
  int release() { return std::exchange(fd_, -1); }

  // Closes the descriptor held (if any) and holds `fd` instead. close(2)
  // errors are ignored: Linux releases the descriptor even when it reports
  // one, so retrying could close another thread's descriptor.
  void reset(int fd = -1) {
    const int old = std::exchange(fd_, fd);
    if (old >= 0) ::close(old);
  }

 private:
  int fd_ = -1;
};

}  // namespace gale

#endif  // GALE_NET_UNIQUE_FD_H_
