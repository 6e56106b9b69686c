// TcpClient: opens TCP connections as IOStreams — Tornado's TCPClient.
// Names are resolved on a thread pool (getaddrinfo blocks; a reactor must
// not); numeric addresses skip the pool. Each resolved address (IPv4 or IPv6)
// is tried in turn with a non-blocking connect until one succeeds or the
// timeout — for the whole attempt, resolution included — runs out.
//
//   gale::TcpClient client(runtime->offload_pool());
//   absl::StatusOr<gale::IOStream> stream =
//       co_await client.connect("localhost", 8888, std::chrono::seconds(5));
//   if (!stream.ok()) co_return;  // "connect 127.0.0.1:8888: Connection
//                                 // refused", or DEADLINE_EXCEEDED
//
// Errors: an unknown host is kNotFound; a refused or unreachable address
// is the errno's status (the last one tried); the timeout is
// kDeadlineExceeded.
//
// Thread contract: connect() is Reactor thread only (awaited from a task); the
// stream lives on that reactor. A TcpClient may be shared by reactors.
#ifndef GALE_NET_TCP_CLIENT_H_
#define GALE_NET_TCP_CLIENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "net/io_stream.h"
#include "net/socket_address.h"
#include "reactor/clock.h"
#include "reactor/task.h"
#include "reactor/thread_pool.h"

namespace gale {

class TcpClient {
 public:
  // Resolves names on `resolver_pool` (typically Runtime::offload_pool()).
  explicit TcpClient(ThreadPool& resolver_pool) : pool_(resolver_pool) {}

  Task<absl::StatusOr<IOStream>> connect(
      std::string host, uint16_t port,
      Duration timeout = std::chrono::seconds(20),
      IOStreamOptions options = {}) const;

 private:
  Task<absl::StatusOr<std::vector<SocketAddress>>> resolve(std::string host,
                                                           uint16_t port) const;

  ThreadPool& pool_;
};

// The addresses `host` resolves to for a TCP connection to `port`, in
// getaddrinfo's order. Blocking unless `numeric_only`, which accepts only
// numeric addresses (and fails fast with kInvalidArgument otherwise).
absl::StatusOr<std::vector<SocketAddress>> resolve_tcp(const std::string& host,
                                                       uint16_t port,
                                                       bool numeric_only);

}  // namespace gale

#endif  // GALE_NET_TCP_CLIENT_H_
