#include "net/acceptor.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace gale {

absl::StatusOr<std::unique_ptr<Acceptor>> Acceptor::start(
    Reactor& reactor, UniqueFd listener, const AcceptorOptions& options,
    OnAccept on_accept) {
  reactor.assert_in_loop_thread();
  std::unique_ptr<Acceptor> acceptor(new Acceptor(
      reactor, std::move(listener), options, std::move(on_accept)));
  Acceptor* self = acceptor.get();
  absl::Status added = reactor.add_handler(
      self->listener_.get(), kReadable,
      [self](IoEvents /*events*/) { self->accept_ready(); });
  if (!added.ok()) return added;
  return acceptor;
}

Acceptor::Acceptor(Reactor& reactor, UniqueFd listener,
                   const AcceptorOptions& options, OnAccept on_accept)
    : reactor_(reactor),
      listener_(std::move(listener)),
      options_(options),
      on_accept_(std::move(on_accept)),
      retry_timer_(reactor) {}

Acceptor::~Acceptor() {
  cancel_retry();
  (void)reactor_.remove_handler(listener_.get());
}

void Acceptor::accept_ready() {
  for (size_t i = 0; i < options_.max_per_event; ++i) {
    SocketAddress peer;
    UniqueFd fd(::accept4(listener_.get(), peer.get_mutable(),
                          peer.length_mutable(), SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (fd) {
      ++stats_.accepted;
      reported_ = false;
      on_accept_(std::move(fd), peer);
      continue;
    }
    switch (errno) {
      case EAGAIN:
#if EAGAIN != EWOULDBLOCK
      case EWOULDBLOCK:
#endif
        return;
      case EINTR:
        --i;  // not a connection
        continue;
      case ECONNABORTED:  // reset while in the backlog
      case EPROTO:
      case EPERM:  // refused by a firewall rule
        ++stats_.skipped;
        continue;
      case EMFILE:
      case ENFILE:
      case ENOBUFS:
      case ENOMEM:
        pause(errno);
        return;
      default:  // EBADF, EINVAL: a broken listener; do not spin on it
        std::fprintf(stderr, "gale: accept on fd %d failed: %s\n",
                     listener_.get(), std::strerror(errno));
        pause(errno);
        return;
    }
  }
}

void Acceptor::pause(int error) {
  ++stats_.pauses;
  if (!reported_) {  // once per shortage, not once per retry
    reported_ = true;
    std::fprintf(stderr,
                 "gale: accept paused on fd %d (%s); serving existing "
                 "connections, retrying when one closes\n",
                 listener_.get(), std::strerror(error));
  }
  paused_ = true;
  (void)reactor_.update_handler(listener_.get(), kNoEvents);
  cancel_retry();
  retry_timer_.arm(options_.retry_after, [this] { resume(); });
}

void Acceptor::resume() {
  if (!paused_) return;
  paused_ = false;
  cancel_retry();
  // Level-triggered: if connections wait, the next poll reports them.
  (void)reactor_.update_handler(listener_.get(), kReadable);
}

void Acceptor::cancel_retry() { retry_timer_.cancel(); }

}  // namespace gale
