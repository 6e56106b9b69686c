// Reclaimer: frees an object once no callback queued on a reactor can still
// name it — for objects that posted callbacks point to without holding a
// reference (an actor cell and the messages in flight to it: InlineTell,
// CrossDelivery), so that the post and the run need no shared counter, which
// would cross cores twice per message.
//
//   // Any thread, once nothing will post anything more that names `cell`:
//   reclaimer->reclaim(cell, [](void* p) { delete static_cast<Cell*>(p); });
//
// The free runs on the reactor's thread after every callback posted to the
// reactor before the reclaim() call has run. reclaim() posts the hand-over
// (on the reactor's own thread it need not: the object goes straight to the
// hand-overs that arrived); when it has run, the reactor takes the object at
// the start of its next pass over its queues — the ready queue as it stands,
// then the inbound queue until a dequeue comes back short — and frees it at
// the end of that pass: every earlier post, whichever thread made it, was
// queued before the pass began.
// (That takes a dequeue that sweeps every producer of the queue and comes
// back short: Reactor::run_inbound's try_dequeue_bulk without a consumer
// token.) A reactor holding objects to free does not go to sleep first. Once
// eight passes in a row have left callbacks in its inbound queue while
// objects wait, every pass dequeues 16 times further until one drains, so
// that a steady stream delays frees rather than stopping them (a stream that
// never lets up keeps them waiting; those passes hold I/O back 16 times
// longer). Once the reactor is being destroyed, objects are freed at once (a
// hand-over dropped unrun frees its object, when ~Reactor drops its queues):
// callbacks dropped unrun must not touch what they name. The Reclaimer is
// shared (std::shared_ptr) between the reactor and the objects that may
// outlive it.
//
// Memory ordering: everything a thread did to the object before it posted a
// callback naming it happens before that callback runs (the queue's
// release/acquire); every such post happens before reclaim() (the caller's
// duty: an actor cell's count is released with acq_rel as each sender drops
// its reference); reclaim()'s post of the hand-over happens before the
// hand-over runs, and the free follows on the reactor's thread.
//
// Thread contract: reclaim() is thread-safe; everything else is Reactor
// thread only (the reactor's loop and its destructor).
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

  // Thread-safe. Every post to the reactor that may name `object` must have
  // happened before this call.
  void reclaim(void* object, FreeFn free);

  // ---- Reactor thread only
  // Start of a pass: the hand-overs that have run wait for this pass's end.
  void begin_pass() {
    if (!arrived_.empty()) take_arrived();
  }
  // End of a pass: if its inbound dequeue came back short (`drained`), frees
  // what begin_pass took; if not, counts towards overdue().
  void end_pass(bool drained) {
    if (taken_.empty()) return;
    if (!drained) {
      ++undrained_passes_;
      return;
    }
    undrained_passes_ = 0;
    free_taken();
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

  // The reactor's thread reads these on every pass; other threads lock the
  // mutex below, on a line of its own.
  std::vector<Entry> arrived_;
  std::vector<Entry> taken_;
  int undrained_passes_ = 0;
  // Held while posting, so that the reactor cannot go meanwhile.
  alignas(64) std::mutex mutex_;
  // Null once the reactor is going. Written under mutex_ by the reactor's
  // thread; read under mutex_, or by that thread.
  Reactor* reactor_;
};

}  // namespace internal
}  // namespace gale

#endif  // GALE_REACTOR_INTERNAL_RECLAIMER_H_
