// IOStream: a buffered, non-blocking TCP connection with a coroutine API —
// Tornado's IOStream (read_until, read_bytes, write, close) for one reactor.
// Callbacks underneath: one fd handler on the stream's reactor, whose
// interest follows what the stream's tasks wait for.
//
//   gale::Task<> echo(gale::IOStream stream) {
//     for (;;) {
//       absl::StatusOr<std::string_view> line =
//           co_await stream.read_until("\n", 4096);
//       if (!line.ok()) co_return;       // stream closed, line too long, ...
//       co_await stream.write(*line);    // queued (waits only above the
//       if (!(co_await stream.flush()).ok()) co_return;  // high-water mark)
//     }
//   }
//
// Reads return views into the stream's read buffer: no copy, no allocation
// per read. A view stays valid until the next read of the stream; its bytes
// count as consumed then. One task may read and another write at the same
// time; a second concurrent reader gets kFailedPrecondition, and so does a
// second flusher that finds the socket full while another one waits.
//
// Writes queue bytes (copied, or moved in when given a std::string) and
// flush() hands them to the kernel, many writes per call. The flushes of a
// reactor's streams in one loop iteration go out together: one io_uring
// submission of their sendmsg calls (net/internal/send_batch.h), or a sendmsg
// each where io_uring is unavailable or `batch_flushes` is off. A writer
// that finds more than `write_high_water` bytes queued waits until the peer
// has taken them down to half of it: memory stays bounded by the mark instead
// of growing with a slow reader.
//
// Errors, as statuses (never exceptions except CancelledError):
//   - the peer closed or reset the connection, or close() was called:
//     kUnavailable, and is_stream_closed(status) is true ("stream closed:
//     ..."); bytes already buffered are still returned first;
//   - a read that would need more than `max_buffer_size` bytes buffered
//     (read_bytes(n) too big, read_until without its delimiter within `max`):
//     kResourceExhausted, and the stream is closed (Tornado does the same);
//   - no byte for `read_timeout`: kDeadlineExceeded; the stream stays open.
//
// Thread contract: Reactor thread only — the reactor current when the stream
// was created, on which every one of its tasks must run.
#ifndef GALE_NET_IO_STREAM_H_
#define GALE_NET_IO_STREAM_H_

#include <coroutine>
#include <cstddef>
#include <memory>
#include <source_location>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "net/socket_address.h"
#include "net/unique_fd.h"
#include "reactor/clock.h"
#include "reactor/internal/suspend_point.h"
#include "reactor/reactor.h"

namespace gale {

struct IOStreamOptions {
  // Most bytes the read buffer may hold (Tornado's default: 100 MiB). The
  // buffer is one block, and 2 GiB at most: a larger value counts as 2 GiB.
  size_t max_buffer_size = size_t{100} << 20;
  // Most bytes one read(2) asks for; the buffer starts at 4 KiB and grows to
  // this while reads keep filling it.
  size_t read_chunk_size = size_t{64} << 10;
  // Writers wait while more than this is queued (until half has drained); at
  // most 4 GiB.
  size_t write_high_water = size_t{1} << 20;
  // A read that waits longer than this for bytes fails with
  // kDeadlineExceeded; zero waits forever.
  Duration read_timeout = Duration::zero();
  // TCP_NODELAY: small writes go out at once rather than waiting for the
  // peer's ACK (Nagle), which a request/response protocol cannot afford.
  bool no_delay = true;
  // Sends of flush() wait for the end of the reactor's current step and go
  // out with the other streams' in one system call (where the kernel has
  // io_uring); off, each flush makes its own sendmsg at once.
  bool batch_flushes = true;
};

// True for the status of an operation on a closed stream (peer close, reset,
// close()).
bool is_stream_closed(const absl::Status& status);

namespace internal {
class StreamState;
struct ReadRequest {
  enum class Kind : uint8_t { kSome, kBytes, kUntil, kMore };
  Kind kind;
  size_t bytes = 0;  // kBytes: exactly; kUntil: the most; kMore: more than
  std::string_view delimiter;  // kUntil
};
class ReadAwaiter;
class DrainAwaiter;
}  // namespace internal

class IOStream;
class IdleStreams;

namespace internal {
// For the server that tracks its connections: a stream's state (stable while
// the stream lives, whatever moves its handle) and a way to close it.
StreamState* state_of(IOStream& stream);
void close_stream(StreamState& state, std::string_view why);
// Called once when the stream closes, for whatever reason (the server's
// connection bookkeeping). One hook per stream.
using CloseHook = void (*)(void* context, StreamState& stream);
void set_close_hook(StreamState& state, CloseHook hook, void* context);

// For IdleStreams (idle_streams.h), whose list runs through the parked
// streams' states.
struct IdleLink {
  IdleStreams* list = nullptr;  // parked in it, if set
  StreamState* older = nullptr;
  StreamState* newer = nullptr;
  TimePoint since;
};
IdleLink& idle_link(StreamState& state);
// The state leaves its handle (which becomes empty) / a handle adopts it.
StreamState* release_state(IOStream&& stream);
IOStream adopt_state(StreamState* state);
// Parks the stream in `list`: its buffers go back, and its fd handler calls
// `IdleStreams::ready` when bytes (or a hang-up) come.
void park_stream(StreamState& state, IdleStreams& list);
// The other way: the fd handler of a parked stream tells its list (once).
void idle_stream_ready(IdleStreams& list, StreamState& state);
// IOStream::create for a socket this library accepted or connected, of which
// no duplicate exists: its close alone takes it out of epoll (no
// EPOLL_CTL_DEL). A descriptor with a duplicate (dup, fork) would stay in the
// epoll set and be reported on every poll.
absl::StatusOr<IOStream> create_sole_owner_stream(
    UniqueFd fd, const IOStreamOptions& options);
}  // namespace internal

class IOStream {
 public:
  // Takes a connected, non-blocking socket and registers it with the calling
  // thread's reactor. Fails outside a reactor thread or if the reactor refuses
  // the descriptor. Reactor thread only.
  static absl::StatusOr<IOStream> create(UniqueFd fd,
                                         const IOStreamOptions& options = {});

  IOStream(IOStream&&) noexcept;
  IOStream& operator=(IOStream&&) noexcept;
  // Closes the stream (see close()).
  ~IOStream();

  // All buffered bytes (at least one), reading if there are none.
  [[nodiscard]] internal::ReadAwaiter read_some(
      std::source_location where = std::source_location::current());
  // Exactly `count` bytes.
  [[nodiscard]] internal::ReadAwaiter read_bytes(
      size_t count,
      std::source_location where = std::source_location::current());
  // The bytes up to and including the first `delimiter`; fails if it is not
  // within the first `max_bytes` bytes (then the stream is closed).
  // `delimiter` must stay alive until the read completes.
  [[nodiscard]] internal::ReadAwaiter read_until(
      std::string_view delimiter, size_t max_bytes,
      std::source_location where = std::source_location::current());

  // For parsers that work over the buffer in place (HTTP): the bytes read and
  // not yet consumed — valid until the next read or fill(); consume(n) drops
  // the first n of them; fill() waits until more are buffered than now (one
  // read at least) and returns them all, consuming nothing. fill() fails like
  // the reads (closed, timeout) and with kResourceExhausted when the buffer
  // already holds max_buffer_size bytes.
  std::string_view buffered() const;
  void consume(size_t count);
  [[nodiscard]] internal::ReadAwaiter fill(
      std::source_location where = std::source_location::current());

  // Queues `bytes` (copied) to be written; awaiting it waits only if more
  // than the high-water mark is queued. Fails on a closed stream.
  [[nodiscard]] internal::DrainAwaiter write(
      std::string_view bytes,
      std::source_location where = std::source_location::current());
  [[nodiscard]] internal::DrainAwaiter write(
      const char* bytes,
      std::source_location where = std::source_location::current());
  // Queues `bytes`, moved in without a copy when it is large.
  [[nodiscard]] internal::DrainAwaiter write(
      std::string&& bytes,
      std::source_location where = std::source_location::current());
  // Waits until every queued byte has been handed to the kernel.
  [[nodiscard]] internal::DrainAwaiter flush(
      std::source_location where = std::source_location::current());

  // Closes the socket at once: queued bytes are dropped, a waiting reader or
  // writer resumes with a "stream closed" status. Idempotent.
  void close();
  bool closed() const;

  // Bytes queued and not yet handed to the kernel.
  size_t pending_write_bytes() const;
  // Bytes read from the socket and not yet returned to a reader.
  size_t buffered_read_bytes() const;

  // Changes the read timeout of later reads (zero: none).
  void set_read_timeout(Duration timeout);

  int fd() const;
  Reactor& reactor() const;
  absl::StatusOr<SocketAddress> peer_address() const;

 private:
  friend internal::StreamState* internal::state_of(IOStream& stream);
  friend internal::StreamState* internal::release_state(IOStream&& stream);
  friend IOStream internal::adopt_state(internal::StreamState* state);
  friend absl::StatusOr<IOStream> internal::create_sole_owner_stream(
      UniqueFd fd, const IOStreamOptions& options);
  static absl::StatusOr<IOStream> create_stream(UniqueFd fd,
                                                const IOStreamOptions& options,
                                                bool sole_owner);
  explicit IOStream(std::unique_ptr<internal::StreamState> state);
  std::unique_ptr<internal::StreamState> state_;
};

namespace internal {

// co_await stream.read_*(...) → absl::StatusOr<std::string_view>.
class ReadAwaiter final : public SuspendPoint {
 public:
  ReadAwaiter(StreamState* stream, ReadRequest request,
              std::source_location where)
      : SuspendPoint(where), stream_(stream), request_(request) {}
  ~ReadAwaiter();

  bool await_ready();
  template <typename Promise>
  bool await_suspend(std::coroutine_handle<Promise> awaiting) {
    if (!enter(awaiting)) return false;
    return start_waiting() && suspend();
  }
  absl::StatusOr<std::string_view> await_resume();
  void on_cancel() override;

 private:
  friend class StreamState;
  bool start_waiting();
  // The stream has an answer: resume now (from its fd handler or timer) or
  // through the ready queue (from close()).
  void finish(absl::StatusOr<std::string_view> result, bool resume_now);

  StreamState* stream_;
  ReadRequest request_;
  absl::StatusOr<std::string_view> result_;
  // This wait's read timeout and when it runs out (max: no timeout).
  Duration timeout_ = Duration::zero();
  TimePoint deadline_ = TimePoint::max();
  bool waiting_ = false;
};

// co_await stream.write(...) or stream.flush() → absl::Status: waits until at
// most `limit` bytes are queued (flush: none; write: half the high-water mark,
// and only when the write found more than the mark queued).
class DrainAwaiter final : public SuspendPoint {
 public:
  DrainAwaiter(StreamState* stream, absl::Status queued, size_t limit,
               std::source_location where)
      : SuspendPoint(where),
        stream_(stream),
        status_(std::move(queued)),
        limit_(limit) {}
  ~DrainAwaiter();

  bool await_ready();
  template <typename Promise>
  bool await_suspend(std::coroutine_handle<Promise> awaiting) {
    if (!enter(awaiting)) return false;
    return start_waiting() && suspend();
  }
  absl::Status await_resume();
  void on_cancel() override;

 private:
  friend class StreamState;
  bool start_waiting();
  void finish(absl::Status status, bool resume_now);

  StreamState* stream_;
  absl::Status status_;
  size_t limit_;
  bool waiting_ = false;
  bool batched_ = false;  // waits for the thread's send batch
};

}  // namespace internal
}  // namespace gale

#endif  // GALE_NET_IO_STREAM_H_
