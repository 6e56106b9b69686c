// A classic echo server: every byte a client sends comes back. Each
// connection is an actor on the reactor that accepted it; the listeners are
// one per reactor (SO_REUSEPORT). SIGINT or SIGTERM stops it gracefully.
// The target of bench/net.
//
//   bazel run -c opt //examples/echo_server -- --port=9999 --reactors=2
//   printf 'hello\n' | nc -q1 127.0.0.1 9999      # → hello
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "examples/common/server_main.h"
#include "net/connection_actor.h"
#include "net/tcp_server.h"

ABSL_FLAG(uint16_t, port, 9999, "TCP port (0: any free port)");
ABSL_FLAG(std::string, address, "", "address to listen on (\"\": every one)");
ABSL_FLAG(size_t, reactors, 0, "reactor threads (0: one per core)");
ABSL_FLAG(bool, round_robin, false,
          "one acceptor handing connections out in turn, instead of a "
          "listener per reactor");
ABSL_FLAG(int, grace_ms, 5000, "how long a stop waits for clients to leave");

namespace {

class EchoConnection : public gale::ConnectionActor {
 public:
  using ConnectionActor::ConnectionActor;

  gale::Task<> serve() override {
    for (;;) {
      absl::StatusOr<std::string_view> bytes = co_await stream().read_some();
      if (!bytes.ok()) co_return;  // the client left
      (void)co_await stream().write(*bytes);
      if (!(co_await stream().flush()).ok()) co_return;
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  gale::RuntimeOptions runtime_options;
  runtime_options.reactors = absl::GetFlag(FLAGS_reactors);
  gale::TcpServerOptions options;
  options.port = absl::GetFlag(FLAGS_port);
  options.address = absl::GetFlag(FLAGS_address);
  if (absl::GetFlag(FLAGS_round_robin)) {
    options.spread = gale::TcpServerOptions::Spread::kRoundRobin;
  }
  return gale::examples::serve_until_signalled(
      "echo_server", runtime_options,
      std::chrono::milliseconds(absl::GetFlag(FLAGS_grace_ms)),
      [&](gale::Runtime& runtime) {
        return gale::TcpServer::start_actors<EchoConnection>(runtime, options);
      });
}
