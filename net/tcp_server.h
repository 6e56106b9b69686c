// TcpServer: a TCP server spread over the reactors of a Runtime — Tornado's
// TCPServer.listen → bind_sockets → add_accept_handler → handle_stream, one
// acceptor per reactor. Every connection lives on the reactor that accepted
// it, in a task or an actor of its own, and all its I/O happens there.
//
//   // A coroutine per connection:
//   auto server = gale::TcpServer::start(*runtime, {.port = 8888},
//       [](gale::IOStream stream) -> gale::Task<> {
//         for (;;) {
//           auto bytes = co_await stream.read_some();
//           if (!bytes.ok()) co_return;
//           co_await stream.write(*bytes);
//           if (!(co_await stream.flush()).ok()) co_return;
//         }
//       });
//   // Or an actor per connection (see connection_actor.h), built as
//   // EchoConnection(IOStream, args...):
//   auto server = gale::TcpServer::start_actors<EchoConnection>(*runtime, {});
//   ...
//   server.value()->stop(std::chrono::seconds(10));  // graceful
//   server.value()->wait();
//
// Spreading: by default every reactor has listeners of its own on the port
// (SO_REUSEPORT; the kernel balances new connections over them, and accepting
// costs no cross-thread handoff). kRoundRobin keeps one acceptor, on reactor
// 0, which hands connections to the reactors in turn (for kernels or
// deployments without SO_REUSEPORT balancing; it costs one post per
// connection).
//
// Graceful stop: the listeners close at once (new clients are refused);
// connections get `grace` to end by themselves; whatever is left is then
// closed, so its tasks' reads and writes fail with "stream closed" and they
// end. wait() returns when every connection has.
//
// Lifetime: stop and wait (or destroy the server) before the runtime stops.
// If the runtime stops first, its shutdown ends the server's work on each
// reactor, and the server may then only be destroyed.
//
// Thread contract: start, stop, port, addresses and connections are
// thread-safe; wait() and ~TcpServer block, so not on a reactor thread.
#ifndef GALE_NET_TCP_SERVER_H_
#define GALE_NET_TCP_SERVER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "actors/runtime.h"
#include "actors/spawn.h"
#include "net/acceptor.h"
#include "net/io_stream.h"
#include "net/socket_address.h"
#include "reactor/clock.h"
#include "reactor/task.h"

namespace gale {

struct TcpServerOptions {
  uint16_t port = 0;    // 0: a free port, readable through port()
  std::string address;  // "": every interface, IPv4 and IPv6
  int backlog = 511;
  enum class Spread { kListenerPerReactor, kRoundRobin };
  Spread spread = Spread::kListenerPerReactor;
  IOStreamOptions stream;
  // While out of descriptors, how often each acceptor tries again (it also
  // tries whenever one of the server's connections closes).
  Duration accept_retry = std::chrono::milliseconds(100);
  // Called on each reactor when a graceful stop begins there, once its
  // listeners are closed — or, if the runtime stops first, when it ends the
  // server's work there: a protocol's chance to close idle connections at
  // once (HTTP's keep-alive ones) rather than wait for the grace period, and
  // to release what it keeps per reactor while that reactor still runs.
  std::function<void(Reactor&)> on_stop;
};

struct TcpServerStats {
  uint64_t accepted = 0;
  size_t connections = 0;  // open now
};

class TcpServer {
 public:
  // Serves each connection with `serve(stream)`, a task spawned on the
  // accepting reactor. `serve` is copied to every reactor.
  using Serve = std::function<Task<void>(IOStream)>;
  static absl::StatusOr<std::unique_ptr<TcpServer>> start(
      Runtime& runtime, const TcpServerOptions& options, Serve serve);

  // Serves each connection with an actor A(IOStream, args...) spawned on the
  // accepting reactor (A derives from ConnectionActor); `args` are copied to
  // every connection.
  template <typename A, typename... Args>
  static absl::StatusOr<std::unique_ptr<TcpServer>> start_actors(
      Runtime& runtime, const TcpServerOptions& options, Args... args) {
    return start_with(runtime, options, [&runtime, args...](IOStream stream) {
      spawn<A>(runtime, std::move(stream), args...);
    });
  }

  // Stops (with no grace) and waits.
  ~TcpServer();
  TcpServer(const TcpServer&) = delete;
  TcpServer& operator=(const TcpServer&) = delete;

  // The port listened on (the chosen one when options.port was 0).
  uint16_t port() const { return addresses_.front().port(); }
  // Every address listened on (once, whatever the number of reactors).
  const std::vector<SocketAddress>& addresses() const { return addresses_; }

  // Begins a graceful stop (see above). Idempotent; thread-safe.
  void stop(Duration grace = std::chrono::seconds(10));
  // Blocks until a stop has finished on every reactor. Not on a reactor
  // thread.
  void wait();

  // Open connections now. Thread-safe.
  size_t connections() const;
  // Thread-safe.
  TcpServerStats stats() const;

 private:
  struct Shard;
  struct Shared;
  using OnConnection = std::function<void(IOStream)>;

  TcpServer(Runtime& runtime, std::vector<SocketAddress> addresses);
  static absl::StatusOr<std::unique_ptr<TcpServer>> start_with(
      Runtime& runtime, const TcpServerOptions& options,
      const OnConnection& on_connection);

  Runtime& runtime_;
  std::vector<SocketAddress> addresses_;
  std::shared_ptr<Shared> shared_;
  std::vector<std::shared_ptr<Shard>> shards_;
};

}  // namespace gale

#endif  // GALE_NET_TCP_SERVER_H_
