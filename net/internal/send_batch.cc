#include "net/internal/send_batch.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

namespace gale::internal {
namespace {

struct ThisThread {
  std::unique_ptr<SendBatch> batch;
  bool tried = false;
  SendBatchStats stats;
};

ThisThread& this_thread() {
  thread_local ThisThread state;
  return state;
}

constexpr int kNotSubmitted = 0;

}  // namespace

SendBatch* SendBatch::of_this_thread() {
  ThisThread& state = this_thread();
  if (!state.tried) {
    state.tried = true;
    if (std::unique_ptr<SendRing> ring = SendRing::open(kRingEntries)) {
      state.batch.reset(new SendBatch(std::move(ring)));
    }
  }
  SendBatch* batch = state.batch.get();
  return batch != nullptr && batch->ring_ != nullptr ? batch : nullptr;
}

SendBatch* SendBatch::existing() { return this_thread().batch.get(); }

SendBatchStats SendBatch::stats() { return this_thread().stats; }

SendBatch::SendBatch(std::unique_ptr<SendRing> ring)
    : ring_(std::move(ring)),
      messages_(kRingEntries),
      iov_(kRingEntries * kIovPerStream),
      gathered_(kRingEntries),
      results_(kRingEntries),
      answered_(kRingEntries) {}

SendBatch::~SendBatch() = default;

void SendBatch::enroll(StreamState& stream, Reactor& reactor) {
  if (enrolled_.empty()) reactor.post([this] { send_all(); });
  enrolled_.push_back(&stream);
}

void SendBatch::withdraw(const StreamState& stream) {
  for (std::vector<StreamState*>* list : {&enrolled_, &sending_}) {
    auto found = std::find(list->begin(), list->end(), &stream);
    if (found != list->end()) *found = nullptr;
  }
}

void SendBatch::send_all() {
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
  for (size_t i = 0; i < count; ++i) {
    gathered_[i] = 0;
    results_[i] = kNotSubmitted;
    StreamState* stream = sending_[begin + i];
    if (stream == nullptr || ring_ == nullptr) continue;
    const std::span<iovec> iov(&iov_[i * kIovPerStream], kIovPerStream);
    const Gathered gathered = gather_for_send(*stream, iov);
    if (gathered.bytes == 0) continue;
    gathered_[i] = gathered.bytes;
    messages_[i] = msghdr{};
    messages_[i].msg_iov = iov.data();
    messages_[i].msg_iovlen = gathered.buffers;
    ring_->prepare_sendmsg(stream_fd(*stream), &messages_[i], i);
  }
  if (ring_ != nullptr) {
    SendBatchStats& stats = this_thread().stats;
    std::fill_n(answered_.begin(), count, 0);
    const absl::Status submitted =
        ring_->submit_all([&](uint64_t tag, int result) {
          results_[tag] = result;
          answered_[tag] = 1;
          ++stats.sends;
        });
    ++stats.submissions;
    if (!submitted.ok()) {
      std::fprintf(stderr, "gale: batched sends off for this thread: %s\n",
                   std::string(submitted.message()).c_str());
      ring_.reset();
      // Unanswered sends were not made: each stream sends for itself.
      for (size_t i = 0; i < count; ++i) {
        if (answered_[i] == 0) gathered_[i] = 0;
      }
    }
  }
  for (size_t i = 0; i < count; ++i) {
    StreamState* stream = std::exchange(sending_[begin + i], nullptr);
    if (stream == nullptr) continue;
    // May resume a task that closes or destroys other streams of the round:
    // they withdraw, and their entries read null.
    finish_batched_send(*stream, results_[i], gathered_[i]);
  }
}

}  // namespace gale::internal
