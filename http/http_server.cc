#include "http/http_server.h"

#include "http/internal/connection.h"

namespace gale::http {

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::start(
    Runtime& runtime, const HttpServerOptions& options,
    std::shared_ptr<const Application> application) {
  auto shared = std::make_shared<Shared>();
  shared->application = std::move(application);
  shared->options = options;
  for (size_t i = 0; i < runtime.size(); ++i) {
    shared->registries.push_back(std::make_unique<internal::ConnectionRegistry>(
        runtime.reactor(i), *shared, shared));
  }
  TcpServerOptions tcp = options.tcp;
  // The head and a Content-Length body are parsed where they were read.
  tcp.stream.max_buffer_size = options.limits.max_head_bytes +
                               options.limits.max_body + (size_t{64} << 10);
  // (Raw: the server outlives its connections and their reactors' stops.)
  Shared* raw = shared.get();
  tcp.on_stop = [raw](Reactor& reactor) {
    if (internal::ConnectionRegistry* registry = raw->registry_of(reactor)) {
      registry->drain();
    }
  };
  std::unique_ptr<HttpServer> server(new HttpServer(shared));
  absl::StatusOr<std::unique_ptr<TcpServer>> started =
      TcpServer::start(runtime, tcp, [shared](IOStream stream) -> Task<void> {
        internal::ConnectionRegistry* registry =
            shared->registry_of(stream.reactor());
        return internal::ConnectionRegistry::serve(shared, registry,
                                                   std::move(stream));
      });
  if (!started.ok()) return started.status();
  server->tcp_ = *std::move(started);
  return server;
}

HttpServer::~HttpServer() {
  stop(Duration::zero());
  wait();
}

uint64_t HttpServer::parked_total() const {
  uint64_t total = 0;
  for (const auto& registry : shared_->registries) total += registry->parks();
  return total;
}

void HttpServer::stop(Duration grace) { tcp_->stop(grace); }

}  // namespace gale::http
