// bench/net:echo_load: the load client of the echo server benchmark. It drives
// any TCP echo server from its own non-blocking sockets and edge-triggered
// epoll (nothing of Gale's), checks every echoed byte, and prints one line in
// the benchmarks' shared format. bench/net/run_echo.sh runs it against
// examples/echo_server on 1 and 2 reactors.
//
//   bazel build -c opt //bench/net:echo_load
//   echo_load --port=7000 --mode=request_response --connections=64
//   echo_load --port=7000 --mode=pipelined --connections=64
//             --message_bytes=4096
//   echo_load --port=7000 --mode=idle --connections=10000 --server_pid=PID
//
// request_response (echo_rr): each connection writes a message, waits for its
// whole echo, records the round trip, and writes the next.
// pipelined (echo_pipelined): each connection keeps up to --window bytes in
// flight, in whole messages.
// idle (echo_idle): opens the connections and reports how much the server's
// resident set grew per connection.
//
// Every connection first completes one echo of --message_bytes, batch by
// batch (--connect_batch), before anything is timed. Throughput counts the
// bytes echoed back (one direction) inside the --seconds window that follows
// --warmup_seconds; MB is 10^6 bytes. Latencies are steady-clock round trips.
// After the window the client stops sending and waits until every byte sent
// has come back. check=FAIL and exit status 1 on a wrong byte, a connection
// error, a short echo or a connection that made no progress; 2 on bad flags.
#include <sys/types.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "bench/net/byte_pattern.h"
#include "bench/net/echo_connection.h"
#include "bench/net/load_worker.h"

ABSL_FLAG(std::string, host, "127.0.0.1", "IPv4 address of the echo server");
ABSL_FLAG(int, port, 0, "port of the echo server (required)");
ABSL_FLAG(int, connections, 1, "connections to open");
ABSL_FLAG(int, message_bytes, 64, "bytes per message");
ABSL_FLAG(std::string, mode, "request_response",
          "request_response, pipelined or idle");
ABSL_FLAG(double, seconds, 5, "length of the measurement window");
ABSL_FLAG(double, warmup_seconds, 1, "load before the window, not counted");
ABSL_FLAG(int, window, 64 << 10,
          "pipelined: bytes in flight per connection (at least one message)");
ABSL_FLAG(int, threads, 1, "client threads, each with its own epoll");
ABSL_FLAG(int, connect_batch, 128,
          "connections opened at a time; keep it within the server's listen "
          "backlog");
ABSL_FLAG(int, server_pid, 0, "idle: the server process whose VmRSS to read");
ABSL_FLAG(std::string, label, "gale", "first field of the output line");

namespace gale::bench {
namespace {

// Files the client needs besides its connections (epoll, stdio, slack).
constexpr size_t kSpareFiles = 64;

absl::StatusOr<LoadOptions> options_from_flags() {
  LoadOptions options;
  options.label = absl::GetFlag(FLAGS_label);
  options.host = absl::GetFlag(FLAGS_host);
  options.port = absl::GetFlag(FLAGS_port);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "request_response") {
    options.mode = Mode::kRequestResponse;
  } else if (mode == "pipelined") {
    options.mode = Mode::kPipelined;
  } else if (mode == "idle") {
    options.mode = Mode::kIdle;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown --mode=", mode));
  }
  const int connections = absl::GetFlag(FLAGS_connections);
  const int message_bytes = absl::GetFlag(FLAGS_message_bytes);
  const int threads = absl::GetFlag(FLAGS_threads);
  options.seconds = absl::GetFlag(FLAGS_seconds);
  options.warmup_seconds = absl::GetFlag(FLAGS_warmup_seconds);
  options.server_pid = absl::GetFlag(FLAGS_server_pid);
  if (options.port <= 0 || options.port > 65535 || connections < 1 ||
      message_bytes < 1 || threads < 1 || options.seconds <= 0 ||
      options.warmup_seconds < 0 || absl::GetFlag(FLAGS_window) < 1 ||
      absl::GetFlag(FLAGS_connect_batch) < 1) {
    return absl::InvalidArgumentError(
        "need --port in 1..65535, --seconds > 0, --warmup_seconds >= 0 and "
        "--connections, --message_bytes, --threads, --window, "
        "--connect_batch >= 1");
  }
  if (options.mode == Mode::kIdle && options.server_pid <= 0) {
    return absl::InvalidArgumentError("--mode=idle needs --server_pid");
  }
  options.connections = static_cast<size_t>(connections);
  options.message_bytes = static_cast<size_t>(message_bytes);
  options.threads = std::min(static_cast<size_t>(threads), options.connections);
  // At least one whole message in flight, however small the window.
  options.window = std::max(static_cast<size_t>(absl::GetFlag(FLAGS_window)),
                            options.message_bytes);
  options.connect_batch =
      static_cast<size_t>(absl::GetFlag(FLAGS_connect_batch));
  return options;
}

const char* workload_name(Mode mode) {
  switch (mode) {
    case Mode::kRequestResponse:
      return "echo_rr";
    case Mode::kPipelined:
      return "echo_pipelined";
    case Mode::kIdle:
      return "echo_idle";
  }
  return "echo_unknown";
}

ConnectOptions connect_options(const LoadOptions& options) {
  ConnectOptions connect;
  connect.host = options.host;
  connect.port = options.port;
  connect.first_message_bytes = options.message_bytes;
  connect.batch = options.connect_batch;
  return connect;
}

// The line of a run that failed before it had figures; the reason goes to
// stderr.
int report_failure(const LoadOptions& options, const absl::Status& status) {
  std::fprintf(stderr, "echo_load: %s\n", status.ToString().c_str());
  std::printf("%s %s connections=%zu message_bytes=%zu check=FAIL\n",
              options.label.c_str(), workload_name(options.mode),
              options.connections, options.message_bytes);
  return 1;
}

void print_traffic_line(const LoadOptions& options, const LoadTotals& totals,
                        bool ok) {
  const double bytes = static_cast<double>(totals.bytes);
  const double messages = bytes / static_cast<double>(options.message_bytes);
  std::printf("%s %s connections=%zu message_bytes=%zu", options.label.c_str(),
              workload_name(options.mode), options.connections,
              options.message_bytes);
  if (options.mode == Mode::kPipelined) {
    std::printf(" window=%zu", options.window);
  }
  std::printf(
      " threads=%zu seconds=%.2f msgs=%.0f msgs_per_sec=%.0f mb_per_sec=%.2f",
      options.threads, options.seconds, messages, messages / options.seconds,
      bytes / options.seconds / 1e6);
  if (options.mode == Mode::kRequestResponse) {
    const LatencyHistogram& latencies = totals.latencies;
    std::printf(" p50_us=%.2f p99_us=%.2f p999_us=%.2f",
                latencies.quantile(0.50) / 1e3, latencies.quantile(0.99) / 1e3,
                latencies.quantile(0.999) / 1e3);
  }
  std::printf(" check=%s\n", ok ? "ok" : "FAIL");
}

// request_response and pipelined: one LoadWorker per client thread, the
// connections dealt out round-robin, one shared measurement window.
int run_traffic(const LoadOptions& options) {
  BytePattern pattern(kReadBufferBytes);
  std::vector<EchoConnection> connections(options.connections);
  absl::Status status =
      raise_open_file_limit(options.connections + kSpareFiles);
  if (status.ok()) {
    status = open_connections(connect_options(options), pattern, connections);
  }
  if (!status.ok()) {
    close_connections(connections);
    return report_failure(options, status);
  }

  const int64_t start = now_ns();
  Window window;
  window.start_ns = start + static_cast<int64_t>(options.warmup_seconds * 1e9);
  window.end_ns = window.start_ns + static_cast<int64_t>(options.seconds * 1e9);
  std::vector<std::unique_ptr<LoadWorker>> workers;
  for (size_t i = 0; i < options.threads; ++i) {
    workers.push_back(std::make_unique<LoadWorker>(options, pattern, window));
  }
  for (size_t i = 0; i < connections.size(); ++i) {
    workers[i % workers.size()]->add(&connections[i]);
  }
  std::vector<absl::Status> statuses(workers.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < workers.size(); ++i) {
    threads.emplace_back([&, i] { statuses[i] = workers[i]->run(); });
  }
  for (std::thread& thread : threads) thread.join();
  close_connections(connections);

  LoadTotals totals;
  for (size_t i = 0; i < workers.size(); ++i) {
    workers[i]->add_to(totals);
    if (status.ok()) status = statuses[i];
  }
  if (status.ok() && totals.stalled_connections > 0) {
    status = absl::InternalError(
        absl::StrCat(totals.stalled_connections,
                     " connections had nothing echoed during the window"));
  }
  if (!status.ok()) {
    std::fprintf(stderr, "echo_load: %s\n", status.ToString().c_str());
  }
  print_traffic_line(options, totals, status.ok());
  return status.ok() ? 0 : 1;
}

// idle: the server's VmRSS before and after opening the connections (each
// with its first echo done, so the server holds whatever it keeps per
// connection), divided by their number.
int run_idle(const LoadOptions& options) {
  BytePattern pattern(kReadBufferBytes);
  std::vector<EchoConnection> connections(options.connections);
  absl::Status status =
      raise_open_file_limit(options.connections + kSpareFiles);
  if (!status.ok()) return report_failure(options, status);
  const absl::StatusOr<int64_t> before = resident_kib(options.server_pid);
  if (!before.ok()) return report_failure(options, before.status());

  const int64_t start = now_ns();
  status = open_connections(connect_options(options), pattern, connections);
  const double connect_seconds = static_cast<double>(now_ns() - start) / 1e9;
  const absl::StatusOr<int64_t> after = resident_kib(options.server_pid);
  close_connections(connections);
  if (status.ok()) status = after.status();
  if (!status.ok()) return report_failure(options, status);

  const double per_connection = static_cast<double>(*after - *before) * 1024 /
                                static_cast<double>(connections.size());
  std::printf(
      "%s echo_idle connections=%zu message_bytes=%zu connect_seconds=%.2f "
      "rss_before_kib=%lld rss_after_kib=%lld bytes_per_connection=%.0f "
      "check=ok\n",
      options.label.c_str(), options.connections, options.message_bytes,
      connect_seconds, static_cast<long long>(*before),
      static_cast<long long>(*after), per_connection);
  return 0;
}

}  // namespace
}  // namespace gale::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const absl::StatusOr<gale::bench::LoadOptions> options =
      gale::bench::options_from_flags();
  if (!options.ok()) {
    std::fprintf(stderr, "echo_load: %s\n",
                 options.status().ToString().c_str());
    return 2;
  }
  const int status = options->mode == gale::bench::Mode::kIdle
                         ? gale::bench::run_idle(*options)
                         : gale::bench::run_traffic(*options);
  std::fflush(stdout);
  return status;
}
