// SendRing: an io_uring used for one thing — many sockets' sendmsg calls in a
// single system call. Internal to net/ (SendBatch is its one user).
//
// Every send carries MSG_DONTWAIT, so the kernel completes each one while it
// submits it: a socket without room answers -EAGAIN rather than having the
// ring wait on it. submit_all() nonetheless waits until every completion is
// in before it returns, so the messages and buffers a send points to are
// needed only for the length of that call, as with sendmsg itself.
//
//   std::unique_ptr<SendRing> ring = SendRing::open(64);  // null: no io_uring
//   ring->prepare_sendmsg(fd, &message, /*tag=*/7);
//   absl::Status submitted = ring->submit_all(
//       [](uint64_t tag, int result) { /* bytes sent, or -errno */ });
//
// Raw system calls against <linux/io_uring.h>: no liburing (not among the
// project's dependencies, and three calls is all this needs).
//
// Thread contract: none of its own (owned by one thread's SendBatch).
#ifndef GALE_NET_INTERNAL_SEND_RING_H_
#define GALE_NET_INTERNAL_SEND_RING_H_

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "net/unique_fd.h"

// <linux/io_uring.h> stays in the .cc: it defines BLOCK_SIZE, which
// moodycamel's queue uses as a name.
struct io_uring_params;
struct io_uring_sqe;
struct io_uring_cqe;

namespace gale::internal {

class SendRing {
 public:
  // A ring of `entries` submissions (a power of two), or nullptr where the
  // kernel has no io_uring or refuses it (disabled by sysctl, seccomp).
  static std::unique_ptr<SendRing> open(unsigned entries);

  ~SendRing();
  SendRing(const SendRing&) = delete;
  SendRing& operator=(const SendRing&) = delete;

  // Submissions that fit before submit_all() must run.
  unsigned capacity() const { return entries_ - prepared_; }

  // Queues sendmsg(fd, message, MSG_NOSIGNAL | MSG_DONTWAIT). `message` and
  // what it points to must stay valid until submit_all() returns.
  // Precondition: capacity() > 0.
  void prepare_sendmsg(int fd, const msghdr* message, uint64_t tag);

  // Submits what was prepared and waits for every submitted send to
  // complete, calling done(tag, result) for each: the bytes sent, or a
  // negative errno. An error status means the ring failed to submit: the
  // sends that got no done() call were not made, and the ring must not be
  // used again. (A failure while sends are in flight aborts: their buffers
  // cannot be given back safely.)
  absl::Status submit_all(
      absl::FunctionRef<void(uint64_t tag, int result)> done);

 private:
  SendRing(UniqueFd ring_fd, unsigned entries);
  absl::Status map(const ::io_uring_params& params);
  void publish(unsigned count);
  absl::StatusOr<unsigned> submit(unsigned count);
  absl::Status wait(unsigned count);

  unsigned reap(absl::FunctionRef<void(uint64_t tag, int result)> done);

  UniqueFd ring_fd_;
  const unsigned entries_;
  unsigned prepared_ = 0;

  void* rings_ = nullptr;  // SQ and CQ rings, one mapping
  size_t rings_size_ = 0;
  ::io_uring_sqe* sqes_ = nullptr;
  size_t sqes_size_ = 0;

  unsigned* sq_tail_ = nullptr;
  unsigned sq_mask_ = 0;
  unsigned* sq_array_ = nullptr;
  unsigned* cq_head_ = nullptr;
  unsigned* cq_tail_ = nullptr;
  unsigned cq_mask_ = 0;
  ::io_uring_cqe* cqes_ = nullptr;
};

}  // namespace gale::internal

#endif  // GALE_NET_INTERNAL_SEND_RING_H_
