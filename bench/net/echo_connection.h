// The echo load client's connections: non-blocking TCP sockets, each writing
// its BytePattern stream and checking every echoed byte against it, and the
// batched opening of many of them against a server's listen backlog.
//
//   std::vector<gale::bench::EchoConnection> connections(64);
//   gale::bench::BytePattern pattern(gale::bench::kReadBufferBytes);
//   absl::Status status = gale::bench::open_connections(
//       {.host = "127.0.0.1", .port = 7000, .first_message_bytes = 64},
//       pattern, connections);
//   ...  // edge-triggered epoll, write_up_to() and read_and_check()
//   gale::bench::close_connections(connections);
//
// Not thread-safe: a connection is used by one client thread at a time.
#ifndef GALE_BENCH_NET_ECHO_CONNECTION_H_
#define GALE_BENCH_NET_ECHO_CONNECTION_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/net/byte_pattern.h"

namespace gale::bench {

// Size of the buffer echoed bytes are read into, and so the longest span of a
// BytePattern that the connection functions ask for.
inline constexpr size_t kReadBufferBytes = 64 << 10;

struct EchoConnection {
  int fd = -1;
  uint32_t index = 0;      // picks the connection's BytePattern stream
  bool connected = false;  // the non-blocking connect() has completed
  uint64_t sent = 0;       // bytes of the stream written so far
  uint64_t received = 0;   // bytes echoed back and checked so far
  // Where the workload wants `sent` to be: the end of the request in flight
  // (request/response), or of the window (pipelined).
  uint64_t target = 0;
  int64_t request_start_ns = 0;  // request/response: when it was written
  uint64_t measured_bytes = 0;   // echoed inside the measurement window
};

struct ConnectOptions {
  std::string host;  // an IPv4 address
  int port = 0;
  // Each connection sends this many bytes and waits for their echo before the
  // connection counts as open: then the server has really accepted it and set
  // it up, not just the kernel's backlog.
  size_t first_message_bytes = 64;
  // Connections opened at a time: no more than the server's listen backlog
  // can hold (128 is the smallest common one), so that no SYN is dropped
  // and retried a second later.
  size_t batch = 128;
  // How long one batch may take, refused connects retried included.
  double batch_timeout_seconds = 10;
};

// Opens every connection of `connections` (numbering them 0..n-1), batch by
// batch, each with its first echo done. A connect refused (the server not
// listening yet) or failing for want of resources is retried every ~10 ms
// until the batch times out. On failure the connections stay as they are:
// close them with close_connections().
absl::Status open_connections(const ConnectOptions& options,
                              const BytePattern& pattern,
                              std::span<EchoConnection> connections);

void close_connections(std::span<EchoConnection> connections);

// Writes the connection's stream until `sent` reaches `limit` or the socket
// would block (edge-triggered EPOLLOUT then reports when it has room).
absl::Status write_up_to(EchoConnection& connection, uint64_t limit,
                         const BytePattern& pattern);

// Reads what has arrived into `buffer` until the socket is drained, checking
// every byte against the stream: DataLoss on a differing byte or on more bytes
// than were sent, Unavailable if the server closed the connection.
absl::Status read_and_check(EchoConnection& connection,
                            const BytePattern& pattern,
                            std::span<uint8_t> buffer);

// Raises the soft RLIMIT_NOFILE to at least `needed` (and the hard one if
// this process may); ResourceExhausted, saying what to do, if it cannot.
absl::Status raise_open_file_limit(size_t needed);

// The resident set size of process `pid` in KiB (VmRSS of /proc/PID/status).
absl::StatusOr<int64_t> resident_kib(pid_t pid);

// The steady clock, in nanoseconds.
int64_t now_ns();

}  // namespace gale::bench

#endif  // GALE_BENCH_NET_ECHO_CONNECTION_H_
