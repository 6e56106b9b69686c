// HttpServer: HTTP/1.1 over the TCP server — Tornado's HTTPServer and
// HTTP1ServerConnection. Every connection is a task on the reactor that
// accepted it, reading requests with the strict parser, answering them with
// the Application's handlers, strictly in order.
//
//   auto app = std::make_shared<gale::http::Application>(gale::http::Routes{
//       {"/", gale::http::make<MainHandler>()}});
//   gale::http::HttpServerOptions options;
//   options.tcp.port = 8888;
//   auto server = gale::http::HttpServer::start(*runtime, options,
//   app).value();
//   ...                              // on SIGTERM:
//   server->stop(std::chrono::seconds(10));
//   server->wait();
//
// - Keep-alive: HTTP/1.1 by default, HTTP/1.0 when the client asks.
// - Pipelining: requests already received are answered in order, and their
//   responses leave together, one sendmsg per batch (at most
//   `max_pipelined` responses per batch).
// - Timeouts: a request head must arrive within `header_timeout` of its
//   first byte (slowloris), a body within `body_timeout`, and an idle
//   keep-alive connection is closed after `idle_timeout`.
// - Errors: a malformed or oversized request gets its 4xx/5xx (400, 413,
//   414, 431, 501, 505) with Connection: close; no route is 404; a method the
//   handler lacks is 405; a handler that throws is 500 (logged).
// - Graceful stop: listeners close, idle keep-alive connections close at
//   once, each request in progress is answered with Connection: close,
//   pipelined requests not yet started are dropped, and whatever is left
//   after `grace` is closed.
//
// Thread contract: as TcpServer (start, stop thread-safe; wait blocks, not on
// a reactor thread).
#ifndef GALE_HTTP_HTTP_SERVER_H_
#define GALE_HTTP_HTTP_SERVER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "actors/runtime.h"
#include "http/application.h"
#include "http/request_parser.h"
#include "net/tcp_server.h"
#include "reactor/clock.h"

namespace gale::http {

struct HttpServerOptions {
  TcpServerOptions tcp;
  ParserLimits limits;
  Duration header_timeout = std::chrono::seconds(10);
  Duration body_timeout = std::chrono::seconds(30);
  Duration idle_timeout = std::chrono::seconds(60);
  // A keep-alive connection with no request keeps its task this long (its
  // next request is usually close behind), then is parked: no task, no
  // buffer, a few hundred bytes until it speaks again or idle_timeout.
  Duration park_after = std::chrono::milliseconds(5);
  size_t max_pipelined = 16;
};

class HttpServer {
 public:
  static absl::StatusOr<std::unique_ptr<HttpServer>> start(
      Runtime& runtime, const HttpServerOptions& options,
      std::shared_ptr<const Application> application);

  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  uint16_t port() const { return tcp_->port(); }
  const std::vector<SocketAddress>& addresses() const {
    return tcp_->addresses();
  }
  size_t connections() const { return tcp_->connections(); }
  TcpServerStats stats() const { return tcp_->stats(); }
  // Keep-alive connections parked so far (each one that waited longer than
  // park_after for its next request). Thread-safe.
  uint64_t parked_total() const;

  void stop(Duration grace = std::chrono::seconds(10));
  void wait() { tcp_->wait(); }

  struct Shared;

 private:
  explicit HttpServer(std::shared_ptr<Shared> shared)
      : shared_(std::move(shared)) {}

  std::shared_ptr<Shared> shared_;
  std::unique_ptr<TcpServer> tcp_;
};

}  // namespace gale::http

#endif  // GALE_HTTP_HTTP_SERVER_H_
