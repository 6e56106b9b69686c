// IdleStreams: the parked connections of one reactor — streams waiting for
// their next request with no task, no coroutine frame and no buffer, oldest
// first, closed once idle longer than a timeout by one timer for them all.
// What an HTTP/1.1 server does with keep-alive connections between requests
// (nginx's keep-alive queue); any request/response protocol can use it. A
// parked stream costs its state and nothing else: the list runs through the
// states themselves.
//
//   gale::IdleStreams idle(reactor, std::chrono::seconds(60),
//                          [&](gale::IOStream stream) {
//                            gale::spawn(reactor, serve(std::move(stream)));
//                          });
//   ...
//   idle.park(std::move(stream));  // in serve(), between two requests; then
//   co_return;                     // the task ends
//
// `on_ready` gets the stream back, from the stream's fd handler, when bytes
// (or a hang-up) arrive; a stream idle for `idle_timeout` is closed instead.
// A stream parked with bytes already buffered goes straight to `on_ready`.
// No read or write may be pending on a stream that is parked.
// A stream closed while parked (a server stopping) stays in the list until it
// expires or close_all().
//
// Thread contract: Reactor thread only (the reactor of the streams it holds).
#ifndef GALE_NET_IDLE_STREAMS_H_
#define GALE_NET_IDLE_STREAMS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "absl/functional/any_invocable.h"
#include "net/io_stream.h"
#include "reactor/clock.h"
#include "reactor/one_shot_timer.h"
#include "reactor/reactor.h"

namespace gale {

class IdleStreams {
 public:
  using OnReady = absl::AnyInvocable<void(IOStream stream)>;

  IdleStreams(Reactor& reactor, Duration idle_timeout, OnReady on_ready);
  // Closes what is still parked.
  ~IdleStreams();
  IdleStreams(const IdleStreams&) = delete;
  IdleStreams& operator=(const IdleStreams&) = delete;

  // Parks `stream` (of this list's reactor) until bytes come or it expires. A
  // closed stream is just closed.
  void park(IOStream stream);

  // Closes every parked stream now.
  void close_all();

  size_t size() const { return size_; }
  // Streams parked since the list was made (a counter for tests and stats).
  // Thread-safe.
  uint64_t parks() const { return parks_.load(std::memory_order_relaxed); }

 private:
  friend void internal::idle_stream_ready(IdleStreams& list,
                                          internal::StreamState& state);
  void ready(internal::StreamState& state);
  void unlink(internal::StreamState& state);
  void expire();
  void arm_timer(Duration after);

  Reactor& reactor_;
  const Duration idle_timeout_;
  OnReady on_ready_;
  internal::StreamState* oldest_ = nullptr;
  internal::StreamState* newest_ = nullptr;
  size_t size_ = 0;
  std::atomic<uint64_t> parks_{0};  // written here, read from any thread
  OneShotTimer timer_;              // armed for the oldest's expiry
};

}  // namespace gale

#endif  // GALE_NET_IDLE_STREAMS_H_
