// The seed's aio_server.py and aio_callback_server.py (callbacks-to-
// coroutines.md) as one straight-line coroutine per connection. The seed
// nests a callback per step — accept → connect → write → success — and
// re-registers the socket at each; here each step is a line, and the
// reactor does the registering:
//
//   accept → read the client's JSON message → answer "ok" → read again
//   (aio_callback_client sends a second message after a pause; http_client
//   closes instead) → close
//
//   bazel run //examples/aio_server -- --port=8888
//   bazel run //examples/aio_client -- --port=8888 --messages=2
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "examples/common/server_main.h"
#include "net/tcp_server.h"

ABSL_FLAG(uint16_t, port, 8888, "TCP port (0: any free port)");
ABSL_FLAG(std::string, address, "localhost", "address to listen on");
ABSL_FLAG(size_t, reactors, 1, "reactor threads");

namespace {

// The whole of aio_callback_server.py's nest of callbacks.
gale::Task<> handle_connection(gale::IOStream stream) {
  std::printf("Accept ...\n");
  absl::StatusOr<std::string_view> message = co_await stream.read_some();
  if (!message.ok()) co_return;
  std::printf("Connect ...\n%.*s\n", static_cast<int>(message->size()),
              message->data());

  (void)co_await stream.write("ok");
  if (!(co_await stream.flush()).ok()) co_return;
  std::printf("Write ...\n");

  absl::StatusOr<std::string_view> again = co_await stream.read_some();
  if (again.ok()) {
    std::printf("%.*s\n", static_cast<int>(again->size()), again->data());
  }
  std::printf("Success ...\n");
  std::fflush(stdout);
}  // the stream closes here

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  gale::RuntimeOptions runtime_options;
  runtime_options.reactors = absl::GetFlag(FLAGS_reactors);
  gale::TcpServerOptions options;
  options.port = absl::GetFlag(FLAGS_port);
  options.address = absl::GetFlag(FLAGS_address);
  return gale::examples::serve_until_signalled(
      "aio_server", runtime_options, std::chrono::seconds(1),
      [&](gale::Runtime& runtime) {
        return gale::TcpServer::start(runtime, options, handle_connection);
      });
}
