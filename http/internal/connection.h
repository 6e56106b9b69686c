// serve_connection(): the life of one HTTP/1.1 connection — read a request
// head with the parser (over the stream's buffer, no copy), its body, answer
// it with the Application's handler, and again while the connection is kept
// alive. Internal; HttpServer spawns one per accepted connection.
//
// Thread contract: Reactor thread only (the connection's).
#ifndef GALE_HTTP_INTERNAL_CONNECTION_H_
#define GALE_HTTP_INTERNAL_CONNECTION_H_

#include <memory>

#include "absl/container/flat_hash_set.h"
#include "http/application.h"
#include "http/http_server.h"
#include "net/io_stream.h"
#include "reactor/reactor.h"
#include "reactor/task.h"

namespace gale::http {

namespace internal {
class Connection;

// The connections of one reactor, for a graceful stop. Reactor thread only.
struct ConnectionRegistry {
  Reactor* reactor = nullptr;
  absl::flat_hash_set<Connection*> connections;
  bool draining = false;
};
}  // namespace internal

struct HttpServer::Shared {
  std::shared_ptr<const Application> application;
  HttpServerOptions options;
  std::vector<std::unique_ptr<internal::ConnectionRegistry>> registries;
};

namespace internal {

Task<void> serve_connection(IOStream stream,
                            std::shared_ptr<HttpServer::Shared> shared);

// Marks `registry`'s reactor as stopping: idle connections close now, busy
// ones after their current response. On the registry's reactor.
void drain(ConnectionRegistry& registry);

}  // namespace internal
}  // namespace gale::http

#endif  // GALE_HTTP_INTERNAL_CONNECTION_H_
