#include "net/internal/send_batch.h"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

namespace gale::internal {
namespace {

// Trivially destructible, so that streams destroyed during the thread's
// teardown still read it safely (as null once the owner below is gone).
thread_local SendBatch* t_batch = nullptr;
thread_local bool t_tried = false;
thread_local SendBatchStats t_stats;

// Owns the thread's batch; its destructor runs at thread exit.
struct BatchOwner {
  std::unique_ptr<SendBatch> batch;
  ~BatchOwner() { t_batch = nullptr; }
};
thread_local BatchOwner t_owner;

}  // namespace

// The callback posted for a batch. Destroyed unrun (the reactor went first),
// it tells the batch, which would otherwise wait for it for ever.
class SendBatch::PostedBatch {
 public:
  explicit PostedBatch(SendBatch* batch) : batch_(batch) {}
  PostedBatch(PostedBatch&& other) noexcept
      : batch_(std::exchange(other.batch_, nullptr)) {}
  PostedBatch& operator=(PostedBatch&&) = delete;
  ~PostedBatch() {
    // The batch is gone already if the thread's storage was torn down
    // before the reactor (one held in a static): then nothing waits.
    if (batch_ != nullptr && batch_ == t_batch) batch_->dropped();
  }
  void operator()() { std::exchange(batch_, nullptr)->send_all(); }

 private:
  SendBatch* batch_;
};

SendBatch* SendBatch::of_this_thread() {
  if (!t_tried) {
    t_tried = true;
    std::unique_ptr<SendRing> ring;
    if (std::getenv("GALE_NO_IO_URING") == nullptr) {
      ring = SendRing::open(kRingEntries);
    }
    if (ring != nullptr) {
      t_owner.batch.reset(new SendBatch(std::move(ring)));
      t_batch = t_owner.batch.get();
    }
  }
  return t_batch != nullptr && t_batch->ring_ != nullptr ? t_batch : nullptr;
}

SendBatch* SendBatch::existing() { return t_batch; }

SendBatchStats SendBatch::stats() { return t_stats; }

void SendBatch::disable_on_this_thread() {
  t_tried = true;
  if (t_batch != nullptr) t_batch->ring_.reset();
}

SendBatch::SendBatch(std::unique_ptr<SendRing> ring)
    : ring_(std::move(ring)),
      messages_(kRingEntries),
      iov_(kRingEntries * kIovPerStream),
      gathered_(kRingEntries),
      results_(kRingEntries),
      answered_(kRingEntries) {}

SendBatch::~SendBatch() = default;

void SendBatch::enroll(StreamState& stream, Reactor& reactor) {
  enrolled_.push_back(&stream);
  if (!posted_) {
    posted_ = true;
    reactor.post(PostedBatch(this));
  }
}

void SendBatch::withdraw(const StreamState& stream) {
  // Erased from the next batch; nulled in the one being sent, whose loop
  // holds positions into it.
  auto enrolled = std::find(enrolled_.begin(), enrolled_.end(), &stream);
  if (enrolled != enrolled_.end()) {
    *enrolled = enrolled_.back();
    enrolled_.pop_back();
  }
  auto sending = std::find(sending_.begin(), sending_.end(), &stream);
  if (sending != sending_.end()) *sending = nullptr;
}

size_t SendBatch::pending() const {
  return enrolled_.size() +
         static_cast<size_t>(std::count_if(
             sending_.begin(), sending_.end(),
             [](const StreamState* stream) { return stream != nullptr; }));
}

void SendBatch::dropped() {
  posted_ = false;
  // The reactor is being destroyed, after its tasks and their streams (which
  // withdrew). A stream still here outlives its reactor, and must not touch
  // it: it only leaves the batch, its bytes unsent.
  for (StreamState* stream : enrolled_) {
    leave_send_batch(*stream, /*resume_flush=*/false);
  }
  enrolled_.clear();
}

// noexcept: a resumed task keeps its exceptions in its own frame, so only
// running out of memory could escape here — halfway through applying results
// the kernel already acted on, which has no honest recovery.
void SendBatch::send_all() noexcept {
  posted_ = false;
  // Flushes that the completions below resume may enroll streams again: they
  // go to a fresh list, and a batch of their own.
  sending_.swap(enrolled_);
  for (size_t begin = 0; begin < sending_.size(); begin += kRingEntries) {
    send_round(begin, std::min(sending_.size(), begin + kRingEntries));
  }
  sending_.clear();
}

void SendBatch::send_round(size_t begin, size_t end) {
  const size_t count = end - begin;
  // A lone stream has nobody to share a submission with: its own sendmsg is
  // the same one system call, and cheaper than the ring's.
  const auto first = sending_.begin() + static_cast<std::ptrdiff_t>(begin);
  const bool alone =
      std::count_if(
          first, first + static_cast<std::ptrdiff_t>(count),
          [](const StreamState* stream) { return stream != nullptr; }) == 1;
  unsigned prepared = 0;
  for (size_t i = 0; i < count; ++i) {
    gathered_[i] = 0;
    results_[i] = 0;
    answered_[i] = 0;
    StreamState* stream = sending_[begin + i];
    if (stream == nullptr || ring_ == nullptr || alone) continue;
    const std::span<iovec> iov(&iov_[i * kIovPerStream], kIovPerStream);
    const Gathered gathered = gather_for_send(*stream, iov);
    if (gathered.bytes == 0) continue;
    gathered_[i] = gathered.bytes;
    messages_[i] = msghdr{};
    messages_[i].msg_iov = iov.data();
    messages_[i].msg_iovlen = gathered.buffers;
    ring_->prepare_sendmsg(stream_fd(*stream), &messages_[i], i);
    ++prepared;
  }
  if (prepared > 0) {
    const absl::Status submitted =
        ring_->submit_all([&](uint64_t tag, int result) {
          results_[tag] = result;
          answered_[tag] = 1;
        });
    ++t_stats.submissions;
    t_stats.sends += prepared;
    if (!submitted.ok()) {
      ring_.reset();  // batching off for this thread
      // Unanswered sends were not made: those streams send for themselves.
      for (size_t i = 0; i < count; ++i) {
        if (answered_[i] == 0) gathered_[i] = 0;
      }
      if (Reactor* reactor = Reactor::current()) {
        reactor->report_failure(std::make_exception_ptr(
            std::runtime_error("batched sends are off for this thread: " +
                               std::string(submitted.message()))));
      }
    }
  }
  // Every result first, resuming nothing: until each queue has dropped what
  // the kernel took, no task may send on these streams.
  for (size_t i = 0; i < count; ++i) {
    if (StreamState* stream = sending_[begin + i]) {
      apply_batched_send(*stream, results_[i], gathered_[i]);
    }
  }
  // Then the flushes. A resumed task may close or destroy streams further
  // on: they withdraw, and their entries read null.
  for (size_t i = 0; i < count; ++i) {
    if (StreamState* stream = std::exchange(sending_[begin + i], nullptr)) {
      leave_send_batch(*stream, /*resume_flush=*/true);
    }
  }
}

}  // namespace gale::internal
