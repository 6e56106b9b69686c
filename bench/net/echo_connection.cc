#include "bench/net/echo_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "reactor/status_macros.h"

namespace gale::bench {
namespace {

constexpr int64_t kRetryIntervalNs = 10'000'000;

// Errors after which connecting again soon may succeed: the server is not
// listening yet, or its backlog or our local ports are momentarily full.
bool worth_retrying(int error) {
  return error == ECONNREFUSED || error == EAGAIN || error == EADDRNOTAVAIL ||
         error == ETIMEDOUT || error == ECONNRESET;
}

absl::StatusOr<sockaddr_in> address_of(const ConnectOptions& options) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(options.port));
  if (inet_pton(AF_INET, options.host.c_str(), &address.sin_addr) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--host=", options.host, " is not an IPv4 address"));
  }
  return address;
}

// Starts a non-blocking connect and registers the socket with `epoll_fd`
// (edge-triggered, in and out). Returns 0 or the errno of the failure.
int start_connect(EchoConnection& connection, const sockaddr_in& address,
                  int epoll_fd) {
  connection.fd =
      socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (connection.fd < 0) return errno;
  // Small requests go out at once rather than wait on Nagle's algorithm.
  const int one = 1;
  setsockopt(connection.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  connection.connected = false;
  connection.sent = connection.received = 0;
  if (connect(connection.fd, reinterpret_cast<const sockaddr*>(&address),
              sizeof(address)) != 0 &&
      errno != EINPROGRESS) {
    const int error = errno;
    close(connection.fd);
    connection.fd = -1;
    return error;
  }
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT | EPOLLET;
  event.data.ptr = &connection;
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, connection.fd, &event) != 0) {
    const int error = errno;
    close(connection.fd);
    connection.fd = -1;
    return error;
  }
  return 0;
}

enum class FirstEcho { kPending, kDone, kRetry };

// One step of a connection's first echo: finishes the connect, writes the
// first message, reads its echo.
absl::StatusOr<FirstEcho> advance_first_echo(EchoConnection& connection,
                                             const ConnectOptions& options,
                                             const BytePattern& pattern,
                                             std::span<uint8_t> buffer,
                                             int& retry_error) {
  if (!connection.connected) {
    int error = 0;
    socklen_t length = sizeof(error);
    getsockopt(connection.fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      if (!worth_retrying(error)) {
        return absl::ErrnoToStatus(
            error, absl::StrCat("connection ", connection.index, ": connect"));
      }
      retry_error = error;
      close(connection.fd);  // also leaves the epoll set
      connection.fd = -1;
      return FirstEcho::kRetry;
    }
    connection.connected = true;
  }
  GALE_RETURN_IF_ERROR(
      write_up_to(connection, options.first_message_bytes, pattern));
  GALE_RETURN_IF_ERROR(read_and_check(connection, pattern, buffer));
  return connection.received == options.first_message_bytes
             ? FirstEcho::kDone
             : FirstEcho::kPending;
}

// Opens `batch` and gives each its first echo; see open_connections().
absl::Status open_batch(const ConnectOptions& options,
                        const sockaddr_in& address, const BytePattern& pattern,
                        int epoll_fd, std::span<EchoConnection> batch) {
  std::vector<EchoConnection*> to_connect;
  for (EchoConnection& connection : batch) to_connect.push_back(&connection);
  std::vector<uint8_t> buffer(kReadBufferBytes);
  std::vector<epoll_event> events(256);
  const int64_t deadline =
      now_ns() + static_cast<int64_t>(options.batch_timeout_seconds * 1e9);
  int64_t next_attempt = 0;
  int retry_error = 0;
  size_t done = 0;
  while (done < batch.size()) {
    const int64_t now = now_ns();
    if (now >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          batch.size() - done, " of ", batch.size(),
          " connections did not open and echo within ",
          options.batch_timeout_seconds, " s; last connect error: ",
          retry_error == 0 ? "none" : std::strerror(retry_error)));
    }
    if (!to_connect.empty() && now >= next_attempt) {
      std::vector<EchoConnection*> refused;
      for (EchoConnection* connection : to_connect) {
        const int error = start_connect(*connection, address, epoll_fd);
        if (error == 0) continue;
        if (!worth_retrying(error)) {
          return absl::ErrnoToStatus(error, "connect");
        }
        retry_error = error;
        refused.push_back(connection);
      }
      to_connect.swap(refused);
      next_attempt = now + kRetryIntervalNs;
    }
    const int count = epoll_wait(epoll_fd, events.data(),
                                 static_cast<int>(events.size()), 10);
    if (count < 0 && errno != EINTR) return absl::ErrnoToStatus(errno, "epoll");
    for (int i = 0; i < count; ++i) {
      auto& connection = *static_cast<EchoConnection*>(events[i].data.ptr);
      absl::StatusOr<FirstEcho> step =
          advance_first_echo(connection, options, pattern, buffer, retry_error);
      if (!step.ok()) return step.status();
      if (*step == FirstEcho::kRetry) to_connect.push_back(&connection);
      if (*step != FirstEcho::kDone) continue;
      epoll_ctl(epoll_fd, EPOLL_CTL_DEL, connection.fd, nullptr);
      ++done;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status open_connections(const ConnectOptions& options,
                              const BytePattern& pattern,
                              std::span<EchoConnection> connections) {
  absl::StatusOr<sockaddr_in> address = address_of(options);
  if (!address.ok()) return address.status();
  for (size_t i = 0; i < connections.size(); ++i) {
    connections[i].index = static_cast<uint32_t>(i);
  }
  const int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd < 0) return absl::ErrnoToStatus(errno, "epoll_create1");
  absl::Status status;
  const size_t batch = std::max<size_t>(options.batch, 1);
  for (size_t first = 0; first < connections.size() && status.ok();
       first += batch) {
    const size_t size = std::min(batch, connections.size() - first);
    status = open_batch(options, *address, pattern, epoll_fd,
                        connections.subspan(first, size));
  }
  close(epoll_fd);
  return status;
}

void close_connections(std::span<EchoConnection> connections) {
  for (EchoConnection& connection : connections) {
    if (connection.fd >= 0) close(connection.fd);
    connection.fd = -1;
  }
}

absl::Status write_up_to(EchoConnection& connection, uint64_t limit,
                         const BytePattern& pattern) {
  while (connection.sent < limit) {
    const size_t span =
        std::min<uint64_t>(limit - connection.sent, pattern.max_span());
    const ssize_t written =
        send(connection.fd, pattern.at(connection.index, connection.sent), span,
             MSG_NOSIGNAL);
    if (written >= 0) {
      connection.sent += static_cast<uint64_t>(written);
    } else if (errno == EAGAIN) {
      return absl::OkStatus();
    } else if (errno != EINTR) {
      return absl::ErrnoToStatus(
          errno, absl::StrCat("connection ", connection.index, ": send"));
    }
  }
  return absl::OkStatus();
}

absl::Status read_and_check(EchoConnection& connection,
                            const BytePattern& pattern,
                            std::span<uint8_t> buffer) {
  for (;;) {
    const ssize_t got = read(connection.fd, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && errno == EAGAIN) return absl::OkStatus();
    if (got < 0) {
      return absl::ErrnoToStatus(
          errno, absl::StrCat("connection ", connection.index, ": read"));
    }
    if (got == 0) {
      return absl::UnavailableError(absl::StrCat(
          "connection ", connection.index, ": the server closed it with ",
          connection.sent - connection.received, " bytes not echoed"));
    }
    const auto size = static_cast<uint64_t>(got);
    if (connection.received + size > connection.sent) {
      return absl::DataLossError(absl::StrCat(
          "connection ", connection.index, ": ", connection.received + size,
          " bytes echoed but only ", connection.sent, " sent"));
    }
    const uint8_t* expected = pattern.at(connection.index, connection.received);
    if (std::memcmp(buffer.data(), expected, size) != 0) {
      const size_t at = static_cast<size_t>(
          std::mismatch(buffer.data(), buffer.data() + size, expected).first -
          buffer.data());
      return absl::DataLossError(absl::StrCat(
          "connection ", connection.index, ": echoed byte ",
          connection.received + at, " differs from the byte sent"));
    }
    connection.received += size;
    // A short read drained the socket; edge-triggered EPOLLIN reports the
    // next bytes to arrive, so asking again would only return EAGAIN.
    if (size < buffer.size()) return absl::OkStatus();
  }
}

absl::Status raise_open_file_limit(size_t needed) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::ErrnoToStatus(errno, "getrlimit");
  }
  if (limit.rlim_cur >= needed) return absl::OkStatus();
  const rlim_t hard = limit.rlim_max;
  limit.rlim_cur = needed;
  // Only a privileged process may raise the hard limit.
  limit.rlim_max = std::max<rlim_t>(hard, needed);
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "need ", needed, " open files but the hard RLIMIT_NOFILE is ", hard,
        " and cannot be raised (", std::strerror(errno),
        "); raise it (ulimit -Hn) before running"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> resident_kib(pid_t pid) {
  const std::string path = absl::StrCat("/proc/", pid, "/status");
  std::ifstream status(path);
  if (!status) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::strtoll(line.c_str() + 6, nullptr, 10);
    }
  }
  return absl::NotFoundError(absl::StrCat("no VmRSS in ", path));
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace gale::bench
