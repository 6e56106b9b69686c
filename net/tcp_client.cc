#include "net/tcp_client.h"

#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "net/errno_status.h"
#include "net/unique_fd.h"
#include "reactor/io_wait.h"
#include "reactor/offload.h"
#include "reactor/when.h"

namespace gale {
namespace {

std::string describe(Duration timeout) {
  return absl::FormatDuration(absl::FromChrono(timeout));
}

Task<IoEvents> until_writable(int fd) {
  co_return co_await wait_for_io(fd, kWritable);
}

// One non-blocking connect to `address`, waiting at most until `deadline`.
Task<absl::StatusOr<UniqueFd>> connect_one(SocketAddress address,
                                           TimePoint deadline) {
  UniqueFd fd(::socket(address.family(),
                       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) co_return errno_status(errno, "socket", address.to_string());
  if (::connect(fd.get(), address.get(), address.length()) == 0) {
    co_return fd;  // loopback may connect at once
  }
  if (errno != EINPROGRESS) {
    co_return errno_status(errno, "connect", address.to_string());
  }
  const Duration left = deadline - Clock::now();
  if (left <= Duration::zero() ||
      !(co_await with_timeout(left, until_writable(fd.get()))).ok()) {
    co_return absl::DeadlineExceededError(
        absl::StrCat("connect ", address.to_string(), ": timed out"));
  }
  int error = 0;
  socklen_t length = sizeof(error);
  if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
    error = errno;
  }
  if (error != 0) co_return errno_status(error, "connect", address.to_string());
  co_return fd;
}

}  // namespace

absl::StatusOr<std::vector<SocketAddress>> resolve_tcp(const std::string& host,
                                                       uint16_t port,
                                                       bool numeric_only) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG | (numeric_only ? AI_NUMERICHOST : 0);
  addrinfo* list = nullptr;
  const int error =
      ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &list);
  if (error != 0) {
    if (numeric_only && error == EAI_NONAME) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", host, "\" is not a numeric address"));
    }
    return absl::NotFoundError(
        absl::StrCat("resolve \"", host, "\": ", ::gai_strerror(error)));
  }
  std::vector<SocketAddress> addresses;
  for (const addrinfo* info = list; info != nullptr; info = info->ai_next) {
    addresses.emplace_back(info->ai_addr, info->ai_addrlen);
  }
  ::freeaddrinfo(list);
  return addresses;
}

Task<absl::StatusOr<std::vector<SocketAddress>>> TcpClient::resolve(
    std::string host, uint16_t port) const {
  absl::StatusOr<std::vector<SocketAddress>> numeric =
      resolve_tcp(host, port, /*numeric_only=*/true);
  if (numeric.ok() || !absl::IsInvalidArgument(numeric.status())) {
    co_return numeric;
  }
  // A named local, not a temporary inside the co_await: GCC 12 destroys such
  // a temporary twice (see actors/actor_ref.h).
  auto lookup = [host = std::move(host), port] {
    return resolve_tcp(host, port, /*numeric_only=*/false);
  };
  co_return co_await offload(pool_, std::move(lookup));
}

Task<absl::StatusOr<IOStream>> TcpClient::connect(
    std::string host, uint16_t port, Duration timeout,
    IOStreamOptions options) const {
  const TimePoint deadline = Clock::now() + timeout;
  const std::string target = absl::StrCat(host, ":", port);
  absl::StatusOr<absl::StatusOr<std::vector<SocketAddress>>> resolved =
      co_await with_timeout(timeout, resolve(host, port));
  if (!resolved.ok()) {
    co_return absl::DeadlineExceededError(
        absl::StrCat("connect ", target, ": name resolution timed out after ",
                     describe(timeout)));
  }
  if (!resolved->ok()) co_return resolved->status();
  absl::Status last_error =
      absl::NotFoundError(absl::StrCat("connect ", target, ": no address"));
  for (const SocketAddress& address : **resolved) {
    absl::StatusOr<UniqueFd> fd = co_await connect_one(address, deadline);
    if (fd.ok()) {
      co_return internal::create_sole_owner_stream(*std::move(fd), options);
    }
    last_error = fd.status();
    if (absl::IsDeadlineExceeded(last_error)) break;
  }
  co_return last_error;
}

}  // namespace gale
