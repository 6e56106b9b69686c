// The HTTP server the end-to-end tests drive (http_e2e_test.py): the hello
// world's routes plus ones that fail, stream, wait and capture, and flags for
// small limits and short timeouts. Prints "test_server listening on ...:PORT"
// and stops gracefully on SIGTERM.
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "examples/common/server_main.h"
#include "http/application.h"
#include "http/http_server.h"
#include "reactor/sleep.h"

ABSL_FLAG(uint16_t, port, 0, "TCP port (0: any free port)");
ABSL_FLAG(size_t, reactors, 2, "reactor threads");
ABSL_FLAG(int, header_timeout_ms, 10000, "HttpServerOptions::header_timeout");
ABSL_FLAG(int, idle_timeout_ms, 60000, "HttpServerOptions::idle_timeout");
ABSL_FLAG(int, grace_ms, 5000, "graceful stop period");
ABSL_FLAG(size_t, max_request_line, 8192, "ParserLimits::max_request_line");
ABSL_FLAG(size_t, max_head_bytes, 16384, "ParserLimits::max_head_bytes");
ABSL_FLAG(uint64_t, max_body, 1 << 20, "ParserLimits::max_body");

namespace {

using gale::Task;
using gale::http::RequestHandler;

class MainHandler : public RequestHandler {
 public:
  Task<> get() override {
    write("Hello, world");
    co_return;
  }
};

class EchoHandler : public RequestHandler {
 public:
  Task<> post() override {
    set_header("Content-Type", "application/octet-stream");
    write(request().body());
    co_return;
  }
  Task<> put() override { return post(); }
};

class BoomHandler : public RequestHandler {
 public:
  Task<> get() override {
    throw std::runtime_error("boom");
    co_return;
  }
};

// Answers after --slow ms (a query argument; default 300): for graceful stop.
class SlowHandler : public RequestHandler {
 public:
  Task<> get() override {
    std::string_view ms = request().query_arg("ms");
    co_await gale::sleep(std::chrono::milliseconds(
        ms.empty() ? 300 : std::stoi(std::string(ms))));
    write("slow done");
  }
};

class UserHandler : public RequestHandler {
 public:
  Task<> get() override {
    write("user ");
    write(path_args()[0]);
    co_return;
  }
};

// Three chunks, flushed one by one.
class StreamHandler : public RequestHandler {
 public:
  Task<> get() override {
    for (int i = 0; i < 3; ++i) {
      write("part " + std::to_string(i) + "\n");
      if (!(co_await flush()).ok()) co_return;
    }
  }
};

struct Json {
  std::string dump() const { return R"({"ok": true})"; }
};

class JsonHandler : public RequestHandler {
 public:
  Task<> get() override {
    write(Json{});
    co_return;
  }
};

class QueryHandler : public RequestHandler {
 public:
  Task<> get() override {
    for (const auto& [key, value] : request().query_args()) {
      write(key);
      write("=");
      write(value);
      write(";");
    }
    write("path=" + std::string(request().path()));
    co_return;
  }
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  using gale::http::make;
  auto application =
      std::make_shared<gale::http::Application>(gale::http::Routes{
          {"/", make<MainHandler>()},
          {"/echo", make<EchoHandler>()},
          {"/boom", make<BoomHandler>()},
          {"/slow", make<SlowHandler>()},
          {R"(/user/(\d+))", make<UserHandler>()},
          {"/stream", make<StreamHandler>()},
          {"/json", make<JsonHandler>()},
          {"/query/.*", make<QueryHandler>()},
      });
  gale::RuntimeOptions runtime_options;
  runtime_options.reactors = absl::GetFlag(FLAGS_reactors);
  gale::http::HttpServerOptions options;
  options.tcp.port = absl::GetFlag(FLAGS_port);
  options.tcp.address = "127.0.0.1";
  options.header_timeout =
      std::chrono::milliseconds(absl::GetFlag(FLAGS_header_timeout_ms));
  options.idle_timeout =
      std::chrono::milliseconds(absl::GetFlag(FLAGS_idle_timeout_ms));
  options.limits.max_request_line = absl::GetFlag(FLAGS_max_request_line);
  options.limits.max_head_bytes = absl::GetFlag(FLAGS_max_head_bytes);
  options.limits.max_body = absl::GetFlag(FLAGS_max_body);
  return gale::examples::serve_until_signalled(
      "test_server", runtime_options,
      std::chrono::milliseconds(absl::GetFlag(FLAGS_grace_ms)),
      [&](gale::Runtime& runtime) {
        return gale::http::HttpServer::start(runtime, options, application);
      });
}
