// FdWatcher: a descriptor's registration with a reactor, stored inside the
// object that owns the descriptor — a function pointer and a context instead
// of a heap-allocated callable. Reactor::add_handler(fd, interest, callable)
// is the convenient form and allocates a registration per descriptor; an
// object that exists by the ten thousand (a connection's stream) embeds its
// watcher and registers it with add_watcher: 40 bytes, no allocation.
//
//   class Pipe {
//    public:
//     Pipe(gale::Reactor& reactor, gale::UniqueFd fd)
//         : reactor_(reactor), fd_(std::move(fd)), watcher_(&Pipe::on_io, this)
//         {}
//     absl::Status start() {
//       return reactor_.add_watcher(fd_.get(), gale::kReadable, watcher_);
//     }
//     ~Pipe() { (void)reactor_.remove_handler(fd_.get()); }
//
//    private:
//     static void on_io(void* self, gale::IoEvents ready) { ... }
//     gale::Reactor& reactor_;
//     gale::UniqueFd fd_;
//     gale::FdWatcher watcher_;
//   };
//
// Contract: a watcher stays where it is (it neither copies nor moves) and
// outlives its registration: remove_handler(fd) before it is destroyed. The
// callback may remove its own descriptor and destroy the watcher's owner: the
// reactor does not touch a watcher after its callback returns.
//
// Thread contract: the thread of the reactor it is registered with.
#ifndef GALE_REACTOR_FD_WATCHER_H_
#define GALE_REACTOR_FD_WATCHER_H_

#include <cstdint>
#include <source_location>

#include "reactor/io_events.h"

namespace gale {

class Reactor;

class FdWatcher {
 public:
  // Called on the reactor's thread with the events ready on the descriptor.
  using Callback = void (*)(void* context, IoEvents ready);

  FdWatcher(Callback callback, void* context)
      : callback_(callback), context_(context) {}
  FdWatcher(const FdWatcher&) = delete;
  FdWatcher& operator=(const FdWatcher&) = delete;

 private:
  friend class Reactor;

  Callback callback_;
  void* context_;
  std::source_location where_;     // who registered: named in error reports
  IoEvents interest_ = kNoEvents;  // what the owner asked for
  IoEvents applied_ = kNoEvents;   // what the selector was last told
  uint32_t generation_ = 0;        // tells this registration from earlier ones
  bool dirty_ = false;             // queued for the next apply_interest_changes
  bool owned_ = false;  // allocated by add_handler, freed by the reactor
};

}  // namespace gale

#endif  // GALE_REACTOR_FD_WATCHER_H_
