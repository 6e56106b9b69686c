// Reclaimer: frees an object once no callback queued on a reactor can still
// name it — for objects that posted callbacks point to without holding a
// reference (an actor cell and the small tells in flight to it), so that the
// post and the run need no shared counter, which would cross cores twice per
// message.
//
//   // Any thread, once nothing will post anything more that names `cell`:
//   reclaimer->reclaim(cell, [](void* p) { delete static_cast<Cell*>(p); });
//
// The free runs on the reactor's thread after every callback posted to the
// reactor before the reclaim() call has run. reclaim() posts the hand-over;
// when it has run, the reactor takes the object at the start of its next pass
// over its queues — the ready queue as it stands, then the inbound queue until
// a dequeue comes back short — and frees it at the end of that pass: every
// earlier post, whichever thread made it, was queued before the pass began.
// (That takes a dequeue that sweeps every producer of the queue and comes
// back short: Reactor::run_inbound's try_dequeue_bulk without a consumer
// token.) A reactor holding objects to free does not go to sleep first, and
// one whose inbound queue has not come back short for several passes while
// objects wait lets a pass dequeue further, so that a steady stream delays
// frees rather than stopping them; a stream that never lets up keeps them
// waiting. Once the reactor is being destroyed, objects are freed at once (a
// hand-over dropped unrun frees its object): callbacks dropped unrun must not
// touch what they name. The Reclaimer is shared (std::shared_ptr) between the
// reactor and the objects that may outlive it.
//
// Thread contract: reclaim() is thread-safe; the rest is for the reactor
// (its thread, and its destructor).
#ifndef GALE_REACTOR_INTERNAL_RECLAIMER_H_
#define GALE_REACTOR_INTERNAL_RECLAIMER_H_

#include <mutex>
#include <vector>

namespace gale {

class Reactor;

namespace internal {

class Reclaimer {
 public:
  using FreeFn = void (*)(void*);

  explicit Reclaimer(Reactor& reactor) : reactor_(&reactor) {}
  Reclaimer(const Reclaimer&) = delete;
  Reclaimer& operator=(const Reclaimer&) = delete;

  // Any thread. Every post to the reactor that may name `object` must have
  // happened before this call.
  void reclaim(void* object, FreeFn free);

  // ---- The reactor's
  // Start of a pass: the hand-overs that have run wait for this pass's end.
  void begin_pass() {
    if (!arrived_.empty()) take_arrived();
  }
  // End of a pass whose inbound dequeue came back short: frees what
  // begin_pass took.
  void end_pass_drained() {
    undrained_passes_ = 0;
    if (!taken_.empty()) free_taken();
  }
  // End of a pass that left callbacks in the inbound queue.
  void end_pass_undrained() {
    if (!taken_.empty()) ++undrained_passes_;
  }
  // Objects have waited through kPatientPasses passes that did not drain
  // the inbound queue: the next pass should dequeue further.
  bool overdue() const { return undrained_passes_ >= kPatientPasses; }
  // Objects are waiting for a pass: the reactor must not sleep.
  bool waiting() const { return !arrived_.empty() || !taken_.empty(); }
  // The reactor's destructor, first thing: frees what waits, and from now on
  // reclaim() frees at once.
  void reactor_gone();

 private:
  static constexpr int kPatientPasses = 8;

  struct Entry {
    void* object;
    FreeFn free;
  };
  class HandOver;
  void take_arrived();
  void free_taken();

  std::mutex mutex_;  // held while posting, so the reactor cannot go meanwhile
  // Null once the reactor is going. Written under mutex_ by the reactor's
  // thread; read under mutex_, or by that thread.
  Reactor* reactor_;
  std::vector<Entry> arrived_;  // the reactor's thread
  std::vector<Entry> taken_;    // the reactor's thread
  int undrained_passes_ = 0;    // the reactor's thread
};

}  // namespace internal
}  // namespace gale

#endif  // GALE_REACTOR_INTERNAL_RECLAIMER_H_
