// SendBatch: the flushes of one reactor thread's streams, sent together — one
// io_uring submission for every stream that flushed in a reactor step,
// instead of a sendmsg each. A server answering many connections per step
// pays about one system call per request (the read) instead of two.
//
// IOStream::flush() enrolls its stream; the first enrollment posts one
// callback to the reactor for the whole batch. It runs in the same step (or,
// for a flush made in the step's last phase, early in the next one, before
// the reactor sleeps), gathers each stream's queued bytes, submits them in one
// io_uring_enter (SendRing), and then, in two passes: every stream takes its
// result — bytes sent, a full socket (it waits to be writable, as before) or
// an error (it closes) — and only then are the flushes resumed, so that no
// task runs while a stream's queue still holds bytes the kernel already took.
//
// A stream closed or destroyed while enrolled withdraws. A batch whose
// callback is dropped unrun (its reactor destroyed before its next step)
// sends nothing — the streams went with the reactor's tasks, their bytes
// dropped as close() drops them — and the next flush posts a new batch.
//
// Where io_uring is unavailable (old kernel, disabled, seccomp), where the
// environment sets GALE_NO_IO_URING, or once the ring has failed,
// of_this_thread() is nullptr and flushes send at once.
//
// Thread contract: each thread has its own batch; every method is Reactor
// thread only.
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
// The first pass: `result` is what the send of the `gathered` bytes returned
// (bytes, or -errno); 0 and 0 when nothing was submitted for the stream,
// which makes it send for itself. Resumes nothing.
void apply_batched_send(StreamState& stream, int result, size_t gathered);
// The second pass: the stream leaves the batch, and (with `resume_flush`)
// its flush resumes if the queue drained — which may destroy the stream: the
// batch's last touch.
void leave_send_batch(StreamState& stream, bool resume_flush);

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
  // streams it still holds withdraw from it); nullptr once the thread's
  // storage is being torn down.
  static SendBatch* existing();

  // What this thread's batches did.
  static SendBatchStats stats();

  // Tests: this thread batches nothing from now on, as without io_uring.
  static void disable_on_this_thread();

  // Adds `stream` to the next batch, posting the batch to `reactor` if none
  // is posted. The stream stays enrolled until leave_send_batch() or
  // withdraw(). Precondition: not enrolled.
  void enroll(StreamState& stream, Reactor& reactor);

  // Forgets `stream` (it is closing or being destroyed).
  void withdraw(const StreamState& stream);

  // Streams enrolled and not yet sent.
  size_t pending() const;

  SendBatch(const SendBatch&) = delete;
  SendBatch& operator=(const SendBatch&) = delete;
  ~SendBatch();

 private:
  class PostedBatch;
  explicit SendBatch(std::unique_ptr<SendRing> ring);
  void send_all() noexcept;
  // Sends sending_[begin, end) in one submission and applies the results.
  void send_round(size_t begin, size_t end);
  // The posted callback was destroyed unrun.
  void dropped();

  std::unique_ptr<SendRing> ring_;
  bool posted_ = false;                 // a PostedBatch is queued
  std::vector<StreamState*> enrolled_;  // for the next batch
  std::vector<StreamState*> sending_;   // this batch's, null once withdrawn
  // Per stream of a round: its message and buffers, the bytes gathered and
  // the send's result.
  std::vector<msghdr> messages_;
  std::vector<iovec> iov_;
  std::vector<size_t> gathered_;
  std::vector<int> results_;
  std::vector<uint8_t> answered_;
};

}  // namespace gale::internal

#endif  // GALE_NET_INTERNAL_SEND_BATCH_H_
