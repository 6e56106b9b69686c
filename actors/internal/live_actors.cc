#include "actors/internal/live_actors.h"

namespace gale::internal {
namespace {
thread_local LiveActor* t_live_head = nullptr;
}  // namespace

void LiveActor::link_live() {
  live_prev_ = nullptr;
  live_next_ = t_live_head;
  if (t_live_head != nullptr) t_live_head->live_prev_ = this;
  t_live_head = this;
  live_ = true;
}

void LiveActor::unlink_live() {
  if (!live_) return;
  if (live_prev_ != nullptr) live_prev_->live_next_ = live_next_;
  if (live_next_ != nullptr) live_next_->live_prev_ = live_prev_;
  if (t_live_head == this) t_live_head = live_next_;
  live_prev_ = live_next_ = nullptr;
  live_ = false;
}

void terminate_live_actors() {
  // Terminating one may end others on this thread (its children): always
  // take the current head.
  while (t_live_head != nullptr) t_live_head->terminate_for_shutdown();
}

}  // namespace gale::internal
