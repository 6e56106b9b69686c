// LiveActors: the actors living on the calling thread's reactor, so that the
// runtime can stop them all at shutdown — their on_stop runs, their pending
// asks fail — while every reactor still exists. Intrusive: a cell is its own
// list node. Internal.
//
// Thread contract: Reactor thread only (each reactor thread has its own list).
#ifndef GALE_ACTORS_INTERNAL_LIVE_ACTORS_H_
#define GALE_ACTORS_INTERNAL_LIVE_ACTORS_H_

namespace gale::internal {

class LiveActor {
 public:
  LiveActor() = default;
  LiveActor(const LiveActor&) = delete;
  LiveActor& operator=(const LiveActor&) = delete;

  // Ends the actor for the runtime's shutdown; must unlink it.
  virtual void terminate_for_shutdown() = 0;

 protected:
  virtual ~LiveActor() = default;
  void link_live();
  void unlink_live();

 private:
  friend void terminate_live_actors();
  LiveActor* live_prev_ = nullptr;
  LiveActor* live_next_ = nullptr;
  bool live_ = false;
};

// Terminates every actor of the calling thread (Runtime's shutdown).
void terminate_live_actors();

}  // namespace gale::internal

#endif  // GALE_ACTORS_INTERNAL_LIVE_ACTORS_H_
