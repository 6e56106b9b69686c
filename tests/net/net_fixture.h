// Shared by the net suites: loopback socket pairs, blocking helpers for the
// "other side" of a connection (plain sockets, driven from the test thread
// or a client thread), a descriptor-limit raise for many-client tests, and
// an echo connection task, a fixture with a reactor on the test thread.
#ifndef GALE_TESTS_NET_NET_FIXTURE_H_
#define GALE_TESTS_NET_NET_FIXTURE_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "net/io_stream.h"
#include "net/unique_fd.h"
#include "reactor/reactor.h"
#include "reactor/spawn.h"
#include "reactor/task.h"

namespace gale::testing {

inline void set_blocking(int fd, bool blocking) {
  const int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK);
}

// A listening socket on 127.0.0.1 with a kernel-chosen port.
inline UniqueFd loopback_listener(uint16_t* port, int backlog = 128) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(
      ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)),
      0);
  EXPECT_EQ(::listen(fd.get(), backlog), 0);
  socklen_t length = sizeof(address);
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length);
  *port = ntohs(address.sin_port);
  return fd;
}

// A blocking client socket connected to 127.0.0.1:port (or ::1 with `v6`).
inline UniqueFd connect_blocking(uint16_t port, bool v6 = false) {
  UniqueFd fd(::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  int result;
  if (v6) {
    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    address.sin6_addr = in6addr_loopback;
    address.sin6_port = htons(port);
    result = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address),
                       sizeof(address));
  } else {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    result = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address),
                       sizeof(address));
  }
  EXPECT_EQ(result, 0) << "connect: " << std::strerror(errno);
  return fd;
}

// Two ends of one TCP connection over loopback, both non-blocking:
// `first` the connecting side, `second` the accepted one.
struct SocketPair {
  UniqueFd first;
  UniqueFd second;
};
inline SocketPair tcp_pair() {
  uint16_t port = 0;
  UniqueFd listener = loopback_listener(&port);
  SocketPair pair;
  pair.first = connect_blocking(port);
  pair.second = UniqueFd(::accept4(listener.get(), nullptr, nullptr,
                                   SOCK_NONBLOCK | SOCK_CLOEXEC));
  EXPECT_TRUE(pair.second);
  set_blocking(pair.first.get(), false);
  return pair;
}

// Blocking writes of all of `bytes` (on a blocking or non-blocking socket).
inline bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      bytes.remove_prefix(static_cast<size_t>(sent));
    } else if (sent < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd ready{fd, POLLOUT, 0};
      ::poll(&ready, 1, 1000);
    } else {
      return false;
    }
  }
  return true;
}

// Reads exactly `count` bytes, waiting at most `timeout` for each arrival;
// fewer on EOF, error or timeout.
inline std::string read_exactly(
    int fd, size_t count,
    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  std::string bytes;
  char chunk[65536];
  while (bytes.size() < count) {
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(timeout.count())) <= 0) break;
    const ssize_t got =
        ::recv(fd, chunk, std::min(sizeof(chunk), count - bytes.size()), 0);
    if (got > 0) {
      bytes.append(chunk, static_cast<size_t>(got));
    } else if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
      continue;
    } else {
      break;
    }
  }
  return bytes;
}

// True once the peer has closed (EOF or reset) within `timeout`.
inline bool peer_closed(
    int fd, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  char chunk[4096];
  for (;;) {
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(timeout.count())) <= 0) return false;
    const ssize_t got = ::recv(fd, chunk, sizeof(chunk), 0);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) return true;
  }
}

// Raises the soft descriptor limit towards `wanted` (at most the hard
// limit); returns the limit in force.
inline rlim_t raise_fd_limit(rlim_t wanted) {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < wanted) {
    limit.rlim_cur = std::min(wanted, limit.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

// A byte pattern that tells positions apart (to catch reordering).
inline std::string pattern(size_t size, size_t seed = 0) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<char>('a' + (i * 7 + seed) % 26);
  }
  return bytes;
}

// A connection task that sends every byte back until the client leaves.
inline Task<void> echo(IOStream stream) {
  for (;;) {
    absl::StatusOr<std::string_view> bytes = co_await stream.read_some();
    if (!bytes.ok()) co_return;
    (void)co_await stream.write(*bytes);
    if (!(co_await stream.flush()).ok()) co_return;
  }
}

// A reactor on the test thread: streams on it, tasks run to completion.
class ReactorNetTest : public ::testing::Test {
 protected:
  void SetUp() override { reactor_ = *Reactor::create(); }

  // A stream on this reactor over the connected socket `fd`.
  static IOStream stream_over(UniqueFd fd,
                              const IOStreamOptions& options = {}) {
    absl::StatusOr<IOStream> stream = IOStream::create(std::move(fd), options);
    EXPECT_TRUE(stream.ok()) << stream.status();
    return *std::move(stream);
  }

  template <typename T>
  T run(Task<T> task) {
    return run_until_complete(*reactor_, std::move(task));
  }

  std::unique_ptr<Reactor> reactor_;
};

}  // namespace gale::testing

#endif  // GALE_TESTS_NET_NET_FIXTURE_H_
