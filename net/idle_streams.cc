#include "net/idle_streams.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "reactor/check.h"

namespace gale {

using internal::IdleLink;
using internal::StreamState;

namespace internal {
void idle_stream_ready(IdleStreams& list, StreamState& state) {
  list.ready(state);
}
}  // namespace internal

IdleStreams::IdleStreams(Reactor& reactor, Duration idle_timeout,
                         OnReady on_ready)
    : reactor_(reactor),
      // "Never" in practice, without overflowing a time point.
      idle_timeout_(
          std::min<Duration>(idle_timeout, std::chrono::hours(24 * 365 * 100))),
      on_ready_(std::move(on_ready)),
      timer_(reactor) {
  GALE_CHECK(on_ready_ != nullptr, "IdleStreams needs an on_ready callback");
}

IdleStreams::~IdleStreams() { close_all(); }

void IdleStreams::park(IOStream stream) {
  if (stream.closed()) return;  // closes with `stream`
  GALE_CHECK(&stream.reactor() == &reactor_,
             "IdleStreams::park: the stream belongs to another reactor");
  if (stream.buffered_read_bytes() > 0) {
    // Its next request is already here: no readiness would come for it.
    on_ready_(std::move(stream));
    return;
  }
  parks_.fetch_add(1, std::memory_order_relaxed);
  StreamState* state = internal::release_state(std::move(stream));
  IdleLink& link = internal::idle_link(*state);
  link.since = Clock::now();
  link.older = newest_;
  link.newer = nullptr;
  (newest_ != nullptr ? internal::idle_link(*newest_).newer : oldest_) = state;
  newest_ = state;
  ++size_;
  internal::park_stream(*state, *this);
  if (!timer_.armed()) arm_timer(idle_timeout_);
}

void IdleStreams::close_all() {
  timer_.cancel();
  while (oldest_ != nullptr) {
    StreamState* state = oldest_;
    unlink(*state);
    internal::adopt_state(state);  // the handle closes it as it goes
  }
}

void IdleStreams::ready(StreamState& state) {
  unlink(state);
  on_ready_(internal::adopt_state(&state));
}

void IdleStreams::unlink(StreamState& state) {
  IdleLink& link = internal::idle_link(state);
  (link.older != nullptr ? internal::idle_link(*link.older).newer : oldest_) =
      link.newer;
  (link.newer != nullptr ? internal::idle_link(*link.newer).older : newest_) =
      link.older;
  link = IdleLink{};
  --size_;
}

void IdleStreams::expire() {
  const TimePoint now = Clock::now();
  while (oldest_ != nullptr &&
         internal::idle_link(*oldest_).since + idle_timeout_ <= now) {
    StreamState* state = oldest_;
    unlink(*state);
    internal::adopt_state(state);  // closes it
  }
  if (oldest_ != nullptr) {
    arm_timer(internal::idle_link(*oldest_).since + idle_timeout_ - now);
  }
}

void IdleStreams::arm_timer(Duration after) {
  timer_.arm(after, [this] { expire(); });
}

}  // namespace gale
