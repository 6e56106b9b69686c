// Acceptor: takes the connections waiting on one listening socket, for one
// reactor — Tornado's add_accept_handler. On each readiness event it accepts
// up to `max_per_event` connections (a burst is drained without a poll per
// connection, but a flood cannot monopolise the reactor), stops at EAGAIN, and
// skips connections that died in the backlog (ECONNABORTED, EPROTO, EPERM).
//
//   auto acceptor = gale::Acceptor::start(reactor, std::move(listener.fd), {},
//       [](gale::UniqueFd fd, const gale::SocketAddress& peer) {
//         serve(std::move(fd));
//       });
//
// Out of descriptors (EMFILE, ENFILE) or kernel memory (ENOBUFS, ENOMEM), it
// pauses: it stops watching the listener — so a saturated server burns no CPU
// on a listener that stays readable — and tries again after `retry_after`, or
// at once when resume() says a descriptor was freed (the TCP server calls it
// whenever one of its connections closes). Meanwhile existing connections are
// served as usual and new ones wait in the kernel's backlog. We chose this
// over the spare-descriptor trick (accept with a reserved descriptor, then
// close at once): that turns every waiting client away with a reset, while a
// pause lets them in as soon as the server has room.
//
// Thread contract: Reactor thread only (the reactor it was started on); it
// must be destroyed there too.
#ifndef GALE_NET_ACCEPTOR_H_
#define GALE_NET_ACCEPTOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "net/socket_address.h"
#include "net/unique_fd.h"
#include "reactor/clock.h"
#include "reactor/one_shot_timer.h"
#include "reactor/reactor.h"

namespace gale {

struct AcceptorOptions {
  // Connections accepted per readiness event at most (bind_sockets' backlog).
  size_t max_per_event = 511;
  // While out of descriptors, how often to try again.
  Duration retry_after = std::chrono::milliseconds(100);
};

struct AcceptorStats {
  uint64_t accepted = 0;
  uint64_t skipped = 0;  // died in the backlog
  uint64_t pauses = 0;   // accepts that found no descriptor or memory
};

class Acceptor {
 public:
  using OnAccept = absl::AnyInvocable<void(UniqueFd, const SocketAddress&)>;

  // Watches `listener` (non-blocking, listening) on `reactor`, the calling
  // thread's. Fails if the reactor refuses the descriptor.
  static absl::StatusOr<std::unique_ptr<Acceptor>> start(
      Reactor& reactor, UniqueFd listener, const AcceptorOptions& options,
      OnAccept on_accept);

  // Stops watching and closes the listener.
  ~Acceptor();
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  // A descriptor was freed: if paused, try to accept again now.
  void resume();

  bool paused() const { return paused_; }
  const AcceptorStats& stats() const { return stats_; }
  int listener_fd() const { return listener_.get(); }

 private:
  Acceptor(Reactor& reactor, UniqueFd listener, const AcceptorOptions& options,
           OnAccept on_accept);
  void accept_ready();
  void pause(int error);
  void cancel_retry();

  Reactor& reactor_;
  UniqueFd listener_;
  AcceptorOptions options_;
  OnAccept on_accept_;
  bool paused_ = false;
  bool reported_ = false;     // the current shortage was logged
  OneShotTimer retry_timer_;  // armed while a retry is scheduled
  AcceptorStats stats_;
};

}  // namespace gale

#endif  // GALE_NET_ACCEPTOR_H_
