#include "reactor/internal/reclaimer.h"

#include <utility>

#include "reactor/reactor.h"

namespace gale::internal {

// The posted hand-over of one object. Dropped unrun by the reactor's
// destructor, it frees the object. Dropped because the post itself failed
// (out of memory), it must not — the object's messages may still be queued —
// so the object leaks; that happens inside reclaim(), under the lock, which
// is what makes reading reactor_ here safe (the destructor's case: on the
// reactor's thread, after it cleared reactor_).
class Reclaimer::HandOver {
 public:
  HandOver(Reclaimer* reclaimer, Entry entry)
      : reclaimer_(reclaimer), entry_(entry) {}
  HandOver(HandOver&& other) noexcept
      : reclaimer_(std::exchange(other.reclaimer_, nullptr)),
        entry_(other.entry_) {}
  HandOver& operator=(HandOver&&) = delete;
  ~HandOver() {
    if (reclaimer_ != nullptr && reclaimer_->reactor_ == nullptr) {
      entry_.free(entry_.object);
    }
  }
  void operator()() {
    std::exchange(reclaimer_, nullptr)->arrived_.push_back(entry_);
  }

 private:
  Reclaimer* reclaimer_;
  Entry entry_;
};

void Reclaimer::reclaim(void* object, FreeFn free) {
  // From the reactor's own thread, while it is not being destroyed (only
  // this thread clears reactor_): straight to the next pass — what this
  // thread posted before is queued ahead of it, and what others posted
  // before is drained by that pass as by any. No lock, no post.
  if (Reactor* here = Reactor::current();
      here != nullptr && ReactorReclaimer::of(*here).get() == this &&
      reactor_ != nullptr) {
    arrived_.push_back(Entry{object, free});
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (reactor_ != nullptr) {
      reactor_->post(HandOver(this, Entry{object, free}));
      return;
    }
  }
  free(object);  // nothing queued on a reactor being destroyed will run
}

void Reclaimer::take_arrived() {
  taken_.insert(taken_.end(), arrived_.begin(), arrived_.end());
  arrived_.clear();
}

// A free may hand another object over (an actor cell drops its references to
// others); that one arrives later, never in taken_ meanwhile.
void Reclaimer::free_taken() {
  for (const Entry& entry : taken_) entry.free(entry.object);
  taken_.clear();
}

void Reclaimer::reactor_gone() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    reactor_ = nullptr;
  }
  take_arrived();
  free_taken();
}

}  // namespace gale::internal
