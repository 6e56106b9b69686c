#include "net/internal/send_ring.h"

#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "net/errno_status.h"
#include "reactor/check.h"

namespace gale::internal {
namespace {

int io_uring_setup(unsigned entries, io_uring_params* params) {
  return static_cast<int>(::syscall(__NR_io_uring_setup, entries, params));
}

int io_uring_enter(int fd, unsigned to_submit, unsigned min_complete,
                   unsigned flags) {
  return static_cast<int>(::syscall(__NR_io_uring_enter, fd, to_submit,
                                    min_complete, flags, nullptr, 0));
}

template <typename T>
T* at(void* base, uint32_t offset) {
  return reinterpret_cast<T*>(static_cast<char*>(base) + offset);
}

}  // namespace

std::unique_ptr<SendRing> SendRing::open(unsigned entries) {
  io_uring_params params{};
  // SUBMIT_ALL: one bad submission does not hold back the ones after it.
  params.flags = IORING_SETUP_SUBMIT_ALL;
  int fd = io_uring_setup(entries, &params);
  if (fd < 0 && errno == EINVAL) {  // a kernel before 5.18
    params = io_uring_params{};
    fd = io_uring_setup(entries, &params);
  }
  if (fd < 0) return nullptr;
  // One mapping for both rings (5.4+); older kernels are not worth a path.
  if ((params.features & IORING_FEAT_SINGLE_MMAP) == 0) {
    ::close(fd);
    return nullptr;
  }
  std::unique_ptr<SendRing> ring(new SendRing(UniqueFd(fd), params.sq_entries));
  if (!ring->map(params).ok()) return nullptr;
  return ring;
}

SendRing::SendRing(UniqueFd ring_fd, unsigned entries)
    : ring_fd_(std::move(ring_fd)), entries_(entries) {}

SendRing::~SendRing() {
  if (sqes_ != nullptr) ::munmap(sqes_, sqes_size_);
  if (rings_ != nullptr) ::munmap(rings_, rings_size_);
}

absl::Status SendRing::map(const io_uring_params& params) {
  const size_t sq_size =
      params.sq_off.array + params.sq_entries * sizeof(unsigned);
  const size_t cq_size =
      params.cq_off.cqes + params.cq_entries * sizeof(io_uring_cqe);
  rings_size_ = std::max(sq_size, cq_size);
  void* rings =
      ::mmap(nullptr, rings_size_, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_POPULATE, ring_fd_.get(), IORING_OFF_SQ_RING);
  if (rings == MAP_FAILED) return errno_status(errno, "mmap io_uring rings");
  rings_ = rings;
  sqes_size_ = params.sq_entries * sizeof(io_uring_sqe);
  void* sqes =
      ::mmap(nullptr, sqes_size_, PROT_READ | PROT_WRITE,
             MAP_SHARED | MAP_POPULATE, ring_fd_.get(), IORING_OFF_SQES);
  if (sqes == MAP_FAILED) return errno_status(errno, "mmap io_uring entries");
  sqes_ = static_cast<io_uring_sqe*>(sqes);
  sq_tail_ = at<unsigned>(rings_, params.sq_off.tail);
  sq_mask_ = *at<unsigned>(rings_, params.sq_off.ring_mask);
  sq_array_ = at<unsigned>(rings_, params.sq_off.array);
  cq_head_ = at<unsigned>(rings_, params.cq_off.head);
  cq_tail_ = at<unsigned>(rings_, params.cq_off.tail);
  cq_mask_ = *at<unsigned>(rings_, params.cq_off.ring_mask);
  cqes_ = at<io_uring_cqe>(rings_, params.cq_off.cqes);
  return absl::OkStatus();
}

void SendRing::prepare_sendmsg(int fd, const msghdr* message, uint64_t tag) {
  GALE_CHECK(capacity() > 0, "SendRing::prepare_sendmsg: the ring is full");
  const unsigned tail = *sq_tail_ + prepared_;
  const unsigned index = tail & sq_mask_;
  io_uring_sqe& sqe = sqes_[index];
  std::memset(&sqe, 0, sizeof(sqe));
  sqe.opcode = IORING_OP_SENDMSG;
  sqe.fd = fd;
  sqe.addr = reinterpret_cast<uint64_t>(message);
  sqe.len = 1;
  // MSG_DONTWAIT: a full socket completes at once with -EAGAIN, rather than
  // the ring polling it and sending later from buffers no longer ours.
  sqe.msg_flags = MSG_NOSIGNAL | MSG_DONTWAIT;
  sqe.user_data = tag;
  sq_array_[index] = index;
  ++prepared_;
  // Published to the kernel by the release store in submit().
}

void SendRing::publish(unsigned count) {
  // Everything up to the new tail is written before the kernel may read it.
  __atomic_store_n(sq_tail_, *sq_tail_ + count, __ATOMIC_RELEASE);
}

absl::StatusOr<unsigned> SendRing::submit(unsigned count) {
  for (;;) {
    const int taken = io_uring_enter(ring_fd_.get(), count, 0, 0);
    if (taken >= 0) return static_cast<unsigned>(taken);
    if (errno != EINTR) return errno_status(errno, "io_uring_enter");
  }
}

absl::Status SendRing::submit_all(
    absl::FunctionRef<void(uint64_t tag, int result)> done) {
  unsigned unsubmitted = std::exchange(prepared_, 0);
  publish(unsubmitted);
  unsigned outstanding = 0;
  absl::Status failure;
  while (unsubmitted > 0) {
    absl::StatusOr<unsigned> taken = submit(unsubmitted);
    if (!taken.ok() || *taken == 0) {
      failure = taken.ok() ? absl::InternalError("io_uring_enter took none")
                           : taken.status();
      break;
    }
    unsubmitted -= *taken;
    outstanding += *taken;
  }
  outstanding -= reap(done);
  while (outstanding > 0) {
    // Not expected with MSG_DONTWAIT: a send the kernel handed to a worker.
    // Its buffers are in use until it completes, so wait.
    // Should the wait itself fail, the kernel may still read buffers whose
    // owners would take them back: there is no safe way on.
    const absl::Status waited = wait(outstanding);
    GALE_CHECK(waited.ok(), "io_uring_enter failed while sends were in flight");
    outstanding -= reap(done);
  }
  return failure;
}

unsigned SendRing::reap(
    absl::FunctionRef<void(uint64_t tag, int result)> done) {
  unsigned head = *cq_head_;
  const unsigned tail = __atomic_load_n(cq_tail_, __ATOMIC_ACQUIRE);
  unsigned count = 0;
  for (; head != tail; ++head, ++count) {
    const io_uring_cqe& cqe = cqes_[head & cq_mask_];
    done(cqe.user_data, cqe.res);
  }
  __atomic_store_n(cq_head_, head, __ATOMIC_RELEASE);
  return count;
}

absl::Status SendRing::wait(unsigned count) {
  for (;;) {
    if (io_uring_enter(ring_fd_.get(), 0, count, IORING_ENTER_GETEVENTS) >= 0) {
      return absl::OkStatus();
    }
    if (errno != EINTR) return errno_status(errno, "io_uring_enter");
  }
}

}  // namespace gale::internal
