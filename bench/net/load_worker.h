// One client thread of the echo load client: it drives its share of the
// connections through its own edge-triggered epoll, request/response or
// pipelined, counts what is echoed inside the measurement window, then stops
// sending and waits for the rest of the echo.
//
//   gale::bench::LoadWorker worker(options, pattern, window);
//   worker.add(&connection);  // opened by open_connections()
//   absl::Status status = worker.run();
//   gale::bench::LoadTotals totals;
//   worker.add_to(totals);
//
// Each worker is used by one thread; its connections are used by no other.
// Read add_to() after joining the thread that ran run().
#ifndef GALE_BENCH_NET_LOAD_WORKER_H_
#define GALE_BENCH_NET_LOAD_WORKER_H_

#include <sys/epoll.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "bench/net/byte_pattern.h"
#include "bench/net/echo_connection.h"
#include "bench/net/latency_histogram.h"

namespace gale::bench {

enum class Mode { kRequestResponse, kPipelined, kIdle };

struct LoadOptions {
  std::string label;
  std::string host;
  int port = 0;
  Mode mode = Mode::kRequestResponse;
  size_t connections = 1;
  size_t message_bytes = 64;
  size_t window = 64 << 10;  // pipelined: bytes in flight per connection
  size_t threads = 1;
  size_t connect_batch = 128;
  double seconds = 5;
  double warmup_seconds = 1;
  pid_t server_pid = 0;
};

// The measurement window, in steady-clock nanoseconds (see now_ns()).
struct Window {
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  bool contains(int64_t t) const { return t >= start_ns && t < end_ns; }
};

// What the workers measured, summed.
struct LoadTotals {
  uint64_t bytes = 0;  // echoed inside the window
  LatencyHistogram latencies;
  size_t stalled_connections = 0;  // with nothing echoed inside the window
};

class LoadWorker {
 public:
  LoadWorker(const LoadOptions& options, const BytePattern& pattern,
             Window window);
  ~LoadWorker();
  LoadWorker(const LoadWorker&) = delete;
  LoadWorker& operator=(const LoadWorker&) = delete;

  void add(EchoConnection* connection) { connections_.push_back(connection); }

  // Runs the workload until the window ends, then drains. Returns the first
  // failure: a wrong byte, a connection error, or (DeadlineExceeded) an echo
  // still short some seconds after the window.
  absl::Status run();

  void add_to(LoadTotals& totals) const;

 private:
  absl::Status start();
  absl::Status poll_once(int64_t until_ns);
  absl::Status on_ready(EchoConnection& connection);
  absl::Status on_request_response(EchoConnection& connection);
  absl::Status on_pipelined(EchoConnection& connection);
  absl::Status drain();
  uint64_t pipeline_target(const EchoConnection& connection) const;
  bool all_echoed() const;

  const LoadOptions& options_;
  const BytePattern& pattern_;
  const Window window_;
  int epoll_fd_ = -1;
  std::vector<EchoConnection*> connections_;
  std::vector<uint8_t> buffer_;
  std::vector<epoll_event> events_;
  LatencyHistogram latencies_;
  uint64_t bytes_ = 0;
  int64_t now_ns_ = 0;  // read once per return from epoll_wait
  bool draining_ = false;
};

}  // namespace gale::bench

#endif  // GALE_BENCH_NET_LOAD_WORKER_H_
