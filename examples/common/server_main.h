// The life of an example server, start to graceful stop: block SIGINT and
// SIGTERM, start a Runtime, let the example start its TcpServer on it,
// announce the addresses, wait for a signal, then stop the server (with a
// grace period), the runtime, and return main's exit status.
//
//   int main(int argc, char** argv) {
//     absl::ParseCommandLine(argc, argv);
//     return gale::examples::serve_until_signalled(
//         "echo_server", runtime_options, std::chrono::seconds(5),
//         [&](gale::Runtime& runtime) {
//           return gale::TcpServer::start(runtime, options, echo);
//         });
//   }
//
// Thread contract: main thread only.
#ifndef GALE_EXAMPLES_COMMON_SERVER_MAIN_H_
#define GALE_EXAMPLES_COMMON_SERVER_MAIN_H_

#include <cstdio>
#include <memory>

#include "absl/status/statusor.h"
#include "actors/runtime.h"
#include "examples/common/signals.h"
#include "net/tcp_server.h"
#include "reactor/clock.h"

namespace gale::examples {

// `start_server(runtime)` returns absl::StatusOr<std::unique_ptr<S>> for a
// server S with TcpServer's addresses/connections/stats/stop/wait (a
// TcpServer or an http::HttpServer).
template <typename StartServer>
int serve_until_signalled(const char* name, RuntimeOptions options,
                          Duration grace, const StartServer& start_server) {
  TerminationSignals signals;  // before any reactor thread exists
  if (options.offload_threads == 0) options.offload_threads = 1;
  absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::start(options);
  if (!runtime.ok()) {
    std::fprintf(stderr, "%s: %s\n", name, runtime.status().ToString().c_str());
    return 1;
  }
  auto server = start_server(**runtime);
  if (!server.ok()) {
    std::fprintf(stderr, "%s: %s\n", name, server.status().ToString().c_str());
    return 1;
  }
  for (const SocketAddress& address : (*server)->addresses()) {
    std::printf("%s listening on %s with %zu reactors\n", name,
                address.to_string().c_str(), (*runtime)->size());
  }
  std::fflush(stdout);

  const int signal = signals.wait();
  std::printf("%s: signal %d, stopping (%zu connections open)\n", name, signal,
              (*server)->connections());
  (*server)->stop(grace);
  (*server)->wait();
  std::printf("%s: stopped after %llu connections\n", name,
              static_cast<unsigned long long>((*server)->stats().accepted));
  std::fflush(stdout);
  server->reset();
  (*runtime)->stop();
  (*runtime)->wait();
  return 0;
}

}  // namespace gale::examples

#endif  // GALE_EXAMPLES_COMMON_SERVER_MAIN_H_
