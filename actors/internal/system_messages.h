// The runtime's own messages to an actor — stop, watch, a termination notice,
// a child's failure or end — travelling through the same mailbox as the
// user's, so they keep per-sender order with them. Internal.
//
// Thread contract: as Envelope (built anywhere, handled on the home thread).
#ifndef GALE_ACTORS_INTERNAL_SYSTEM_MESSAGES_H_
#define GALE_ACTORS_INTERNAL_SYSTEM_MESSAGES_H_

#include <exception>
#include <utility>

#include "actors/internal/actor_cell.h"
#include "actors/internal/envelope.h"
#include "actors/supervision.h"

namespace gale::internal {

// A counted reference to a cell, released on whichever thread drops it.
class CellRef {
 public:
  CellRef() = default;
  explicit CellRef(ActorCell* cell) : cell_(cell) {
    if (cell_ != nullptr) cell_->ref();
  }
  CellRef(const CellRef& other) : CellRef(other.cell_) {}
  CellRef(CellRef&& other) noexcept
      : cell_(std::exchange(other.cell_, nullptr)) {}
  CellRef& operator=(CellRef other) noexcept {
    std::swap(cell_, other.cell_);
    return *this;
  }
  ~CellRef() {
    if (cell_ != nullptr) cell_->unref();
  }
  ActorCell* get() const { return cell_; }
  ActorCell* operator->() const { return cell_; }
  explicit operator bool() const { return cell_ != nullptr; }

 private:
  ActorCell* cell_ = nullptr;
};

// ActorRef::stop(): stops the actor once the messages sent before it ran.
class StopMessage final : public Envelope {
 public:
  explicit StopMessage(ExitReason reason) : reason_(std::move(reason)) {}
  Task<void> deliver(Actor& actor) override;
  void reject(const absl::Status&) override {}  // already stopped

 private:
  ExitReason reason_;
};

// Actor::watch(): registers `watcher` for a Down notice; sent to a dead
// actor, it is rejected and the notice goes out at once.
class WatchMessage final : public Envelope {
 public:
  WatchMessage(ActorCell* watcher, uint64_t target_id)
      : watcher_(watcher), target_id_(target_id) {}
  Task<void> deliver(Actor& actor) override;
  void reject(const absl::Status& why) override;

 private:
  CellRef watcher_;
  uint64_t target_id_;
};

// The notice a watcher receives: runs Actor::on_down.
class DownMessage final : public Envelope {
 public:
  explicit DownMessage(Down down) : down_(std::move(down)) {}
  Task<void> deliver(Actor& actor) override;
  void reject(const absl::Status&) override {}

 private:
  Down down_;
};

// An escalated failure: rethrown in the parent, whose own supervisor decides.
class ChildFailedMessage final : public Envelope {
 public:
  explicit ChildFailedMessage(std::exception_ptr error)
      : error_(std::move(error)) {}  // NOLINT(bugprone-throw-keyword-missing)
  Task<void> deliver(Actor& actor) override;
  void reject(const absl::Status&) override {}

 private:
  std::exception_ptr error_;
};

// A child ended: the parent forgets it.
class ChildTerminatedMessage final : public Envelope {
 public:
  explicit ChildTerminatedMessage(ActorCell* child) : child_(child) {}
  Task<void> deliver(Actor& actor) override;
  void reject(const absl::Status&) override {}

 private:
  CellRef child_;
};

}  // namespace gale::internal

#endif  // GALE_ACTORS_INTERNAL_SYSTEM_MESSAGES_H_
