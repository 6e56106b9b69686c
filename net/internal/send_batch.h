// SendBatch: the flushes of one reactor thread's streams, sent together — one
// io_uring submission per loop iteration for every stream that flushed in it,
// instead of a sendmsg each. A server answering many connections per
// iteration pays about one system call per request (the read) instead of two.
//
// IOStream::flush() enrolls its stream and posts one callback to the reactor
// for the whole batch; that callback gathers each stream's queued bytes,
// submits them in one io_uring_enter (SendRing) and hands each stream its
// result: bytes sent, a full socket (the stream then waits to be writable, as
// before) or an error (the stream closes). The flush resumes when its bytes
// are gone, as it did before.
//
// Where io_uring is unavailable (old kernel, disabled, seccomp), or once the
// ring has failed, of_this_thread() is nullptr and flushes send at once.
//
// Thread contract: each thread has its own batch; Reactor thread only.
#ifndef GALE_NET_INTERNAL_SEND_BATCH_H_
#define GALE_NET_INTERNAL_SEND_BATCH_H_

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "net/internal/send_ring.h"
#include "reactor/reactor.h"

namespace gale::internal {

class StreamState;

// Provided by the stream (io_stream.cc).
int stream_fd(const StreamState& stream);
// Fills `iov` with the stream's queued bytes, in order.
struct Gathered {
  size_t buffers = 0;
  size_t bytes = 0;
};
Gathered gather_for_send(const StreamState& stream, std::span<iovec> iov);
// The batch is done with `stream`: `result` is what the send returned (bytes,
// or -errno) for the `gathered` bytes; 0 and 0 when nothing was submitted for
// it, which makes the stream send for itself. May resume the stream's flush,
// which may destroy the stream: the batch's last touch.
void finish_batched_send(StreamState& stream, int result, size_t gathered);

struct SendBatchStats {
  uint64_t submissions = 0;  // io_uring_enter calls that submitted sends
  uint64_t sends = 0;        // sends submitted
};

class SendBatch {
 public:
  // Submissions per io_uring_enter, and buffers per stream's send in a batch
  // (more is sent by the stream itself afterwards).
  static constexpr unsigned kRingEntries = 64;
  static constexpr size_t kIovPerStream = 16;

  // This thread's batch, or nullptr where flushes cannot be batched.
  static SendBatch* of_this_thread();

  // This thread's batch if it was ever made, even with its ring gone (the
  // streams it still holds withdraw from it).
  static SendBatch* existing();

  // What this thread's batches did. Reactor thread only.
  static SendBatchStats stats();

  // Adds `stream` to the next batch, posting the batch to `reactor` when it
  // is the first. The stream stays enrolled until finish_batched_send() or
  // withdraw().
  void enroll(StreamState& stream, Reactor& reactor);

  // Forgets `stream` (it is closing or being destroyed).
  void withdraw(const StreamState& stream);

  SendBatch(const SendBatch&) = delete;
  SendBatch& operator=(const SendBatch&) = delete;
  ~SendBatch();

 private:
  explicit SendBatch(std::unique_ptr<SendRing> ring);
  void send_all();
  // Sends sending_[begin, end) in one submission.
  void send_round(size_t begin, size_t end);

  std::unique_ptr<SendRing> ring_;
  std::vector<StreamState*> enrolled_;  // for the next batch
  std::vector<StreamState*> sending_;   // this batch's, null once withdrawn
  // Per stream of a round: its message, buffers, bytes and result.
  std::vector<msghdr> messages_;
  std::vector<iovec> iov_;
  std::vector<size_t> gathered_;
  std::vector<int> results_;
  std::vector<uint8_t> answered_;
};

}  // namespace gale::internal

#endif  // GALE_NET_INTERNAL_SEND_BATCH_H_
