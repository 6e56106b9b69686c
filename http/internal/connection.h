// The life of HTTP/1.1 connections on one reactor. A connection that is
// answering requests is a task with a Connection (parser, head, response
// buffers) taken from the reactor's spares; one that waits for its next
// request is only "parked": its stream in the reactor's IdleStreams (oldest
// first, one timer for all of them), and nothing else — no coroutine frame,
// no buffer. Bytes on a parked stream start a task again. Internal;
// HttpServer spawns a task per accepted connection.
//
// Thread contract: Reactor thread only (the registry's reactor).
#ifndef GALE_HTTP_INTERNAL_CONNECTION_H_
#define GALE_HTTP_INTERNAL_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "http/application.h"
#include "http/http_server.h"
#include "net/idle_streams.h"
#include "net/io_stream.h"
#include "reactor/clock.h"
#include "reactor/one_shot_timer.h"
#include "reactor/reactor.h"
#include "reactor/task.h"

namespace gale::http {
namespace internal {

class Connection;

// The connections of one reactor.
class ConnectionRegistry {
 public:
  ConnectionRegistry(Reactor& reactor, HttpServer::Shared& shared,
                     std::weak_ptr<HttpServer::Shared> owner);
  ~ConnectionRegistry();
  ConnectionRegistry(const ConnectionRegistry&) = delete;
  ConnectionRegistry& operator=(const ConnectionRegistry&) = delete;

  Reactor& reactor() const { return reactor_; }
  bool draining() const { return draining_; }
  uint64_t parks() const { return parked_.parks(); }  // thread-safe

  // A connection's task: serves requests until the connection closes or
  // waits for its next request (then it is parked). `shared` (the owner of
  // this registry) lives as long as the task: a task can outlive the server
  // object by a turn or two (its stream closed, its resumption queued).
  static Task<void> serve(std::shared_ptr<HttpServer::Shared> shared,
                          ConnectionRegistry* registry, IOStream stream);

  // The server is stopping: parked connections close now, busy ones after
  // their current response. Also what releases the parked streams when the
  // runtime stops first.
  void drain();

  // Waits for `stream`'s next request without a task.
  void park(IOStream stream);

 private:
  // A parked stream has bytes: a task serves it again.
  void unpark(IOStream stream);
  std::unique_ptr<Connection> take_connection();
  void give_back(std::unique_ptr<Connection> connection);

  // Spares kept for reuse, per reactor: enough for every connection busy at
  // one moment on a loaded server.
  static constexpr size_t kMaxSpares = 1024;

  Reactor& reactor_;
  HttpServer::Shared& shared_;
  std::weak_ptr<HttpServer::Shared> owner_;  // the same, for new tasks
  bool draining_ = false;
  absl::flat_hash_set<Connection*> busy_;
  std::vector<std::unique_ptr<Connection>> spare_connections_;
  IdleStreams parked_;
};

}  // namespace internal

struct HttpServer::Shared {
  std::shared_ptr<const Application> application;
  HttpServerOptions options;
  std::vector<std::unique_ptr<internal::ConnectionRegistry>> registries;

  internal::ConnectionRegistry* registry_of(const Reactor& reactor) const {
    for (const auto& registry : registries) {
      if (&registry->reactor() == &reactor) return registry.get();
    }
    return nullptr;
  }
};

}  // namespace gale::http

#endif  // GALE_HTTP_INTERNAL_CONNECTION_H_
