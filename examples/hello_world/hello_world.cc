// The seed's Tornado hello world (tornado-ioloop.md), on Gale:
//
//   class MainHandler(tornado.web.RequestHandler):
//       def get(self):
//           self.write("Hello, world")
//
//   application = tornado.web.Application([(r"/", MainHandler)])
//   application.listen(8888)
//
// plus POST /echo, which answers with the request body. SIGINT or SIGTERM
// stops it gracefully. `make run` runs it.
//
//   bazel run -c opt //examples/hello_world -- --port=8888 --reactors=1
//   curl http://127.0.0.1:8888/                       # Hello, world
//   curl --data-binary @file http://127.0.0.1:8888/echo
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "examples/common/server_main.h"
#include "http/application.h"
#include "http/http_server.h"

ABSL_FLAG(uint16_t, port, 8888, "TCP port (0: any free port)");
ABSL_FLAG(std::string, address, "", "address to listen on (\"\": every one)");
ABSL_FLAG(size_t, reactors, 0, "reactor threads (0: one per core)");
ABSL_FLAG(int, idle_poll_us, 20,
          "how long a reactor that ran out of work polls before it sleeps");

namespace {

class MainHandler : public gale::http::RequestHandler {
 public:
  gale::Task<> get() override {
    write("Hello, world");
    co_return;
  }
};

class EchoHandler : public gale::http::RequestHandler {
 public:
  gale::Task<> post() override {
    set_header("Content-Type", "application/octet-stream");
    write(request().body());
    co_return;
  }
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto application = std::make_shared<gale::http::Application>(
      gale::http::Routes{{"/", gale::http::make<MainHandler>()},
                         {"/echo", gale::http::make<EchoHandler>()}});
  gale::RuntimeOptions runtime_options;
  runtime_options.reactors = absl::GetFlag(FLAGS_reactors);
  runtime_options.idle_poll =
      std::chrono::microseconds(absl::GetFlag(FLAGS_idle_poll_us));
  gale::http::HttpServerOptions options;
  options.tcp.port = absl::GetFlag(FLAGS_port);
  options.tcp.address = absl::GetFlag(FLAGS_address);
  return gale::examples::serve_until_signalled(
      "hello_world", runtime_options, std::chrono::seconds(5),
      [&](gale::Runtime& runtime) {
        return gale::http::HttpServer::start(runtime, options, application);
      });
}
