// Reactor: file-descriptor handlers — registration, batched interest changes,
// dispatch.
#include <cstdio>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "reactor/internal/handler_entry.h"
#include "reactor/internal/invoke.h"
#include "reactor/internal/selector.h"
#include "reactor/internal/wakeup.h"
#include "reactor/reactor.h"
#include "reactor/status_macros.h"

namespace gale {

using internal::OwnedHandler;

FdWatcher* Reactor::find_handler(int fd) {
  if (fd < 0 || static_cast<size_t>(fd) >= handlers_.size()) return nullptr;
  return handlers_[fd];
}

absl::Status Reactor::add_handler(int fd, IoEvents interest, IoHandler handler,
                                  std::source_location where) {
  if (!handler) return absl::InvalidArgumentError("add_handler: empty handler");
  auto owned = std::make_unique<OwnedHandler>(std::move(handler));
  owned->watcher.owned_ = true;
  GALE_RETURN_IF_ERROR(add_watcher(fd, interest, owned->watcher, where));
  (void)owned.release();  // handlers_ owns it now; remove_handler retires it
  return absl::OkStatus();
}

absl::Status Reactor::add_watcher(int fd, IoEvents interest, FdWatcher& watcher,
                                  std::source_location where) {
  assert_in_loop_thread();
  if (fd < 0)
    return absl::InvalidArgumentError(absl::StrCat("add_handler: bad fd ", fd));
  if (find_handler(fd) != nullptr) {
    return absl::AlreadyExistsError(
        absl::StrCat("add_handler: fd ", fd, " already has a handler"));
  }
  if (++next_generation_ == internal::kWakeupGeneration) ++next_generation_;
  const uint32_t generation = next_generation_;
  GALE_RETURN_IF_ERROR(
      selector_->add(fd, interest, internal::handler_token(fd, generation)));
  if (static_cast<size_t>(fd) >= handlers_.size()) handlers_.resize(fd + 1);
  watcher.where_ = where;
  watcher.interest_ = interest;
  watcher.applied_ = interest;
  watcher.generation_ = generation;
  watcher.dirty_ = false;
  handlers_[fd] = &watcher;
  return absl::OkStatus();
}

absl::Status Reactor::update_handler(int fd, IoEvents interest) {
  assert_in_loop_thread();
  FdWatcher* watcher = find_handler(fd);
  if (watcher == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("update_handler: fd ", fd, " has no handler"));
  }
  watcher->interest_ = interest;
  if (!watcher->dirty_ && watcher->interest_ != watcher->applied_) {
    watcher->dirty_ = true;
    dirty_fds_.push_back(fd);
  }
  return absl::OkStatus();
}

absl::Status Reactor::remove_handler(int fd) {
  return remove_registration(fd, /*closing=*/false);
}

absl::Status Reactor::remove_handler_before_close(int fd) {
  return remove_registration(fd, /*closing=*/true);
}

absl::Status Reactor::remove_registration(int fd, bool closing) {
  assert_in_loop_thread();
  FdWatcher* watcher = find_handler(fd);
  if (watcher == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("remove_handler: fd ", fd, " has no handler"));
  }
  absl::Status status = absl::OkStatus();
  if (closing) {
    selector_->forget_closing(fd);
  } else {
    status = selector_->remove(fd);
  }
  handlers_[fd] = nullptr;
  // An owned handler lives until dispatch ends: this may be its own callback
  // running. (A watcher's owner answers for its own.)
  if (watcher->owned_) {
    retired_handlers_.emplace_back(
        static_cast<OwnedHandler*>(watcher->context_));
  }
  return status;
}

void Reactor::apply_interest_changes() {
  for (int fd : dirty_fds_) {
    FdWatcher* watcher = find_handler(fd);
    if (watcher == nullptr || !watcher->dirty_) continue;  // removed since
    watcher->dirty_ = false;
    if (watcher->interest_ == watcher->applied_) continue;
    const absl::Status status =
        selector_->modify(fd, watcher->interest_,
                          internal::handler_token(fd, watcher->generation_));
    if (!status.ok()) {
      std::fprintf(stderr, "gale: could not change the interest of fd %d: %s\n",
                   fd, status.ToString().c_str());
      continue;
    }
    watcher->applied_ = watcher->interest_;
  }
  dirty_fds_.clear();
}

void Reactor::dispatch(std::span<const internal::ReadyEvent> events) {
  for (const internal::ReadyEvent& event : events) {
    const uint32_t generation = internal::token_generation(event.token);
    if (generation == internal::kWakeupGeneration) {
      wakeup_->drain();
      continue;
    }
    FdWatcher* watcher = find_handler(internal::token_fd(event.token));
    // Drop events of a registration removed (or replaced) earlier in this
    // batch.
    if (watcher == nullptr || watcher->generation_ != generation) continue;
    const IoEvents ready = event.events & (watcher->interest_ | kIoError);
    if (ready == kNoEvents) continue;
    ++stats_.io_events;
    // The callback may destroy the watcher: nothing touches it afterwards.
    const FdWatcher::Callback callback = watcher->callback_;
    void* const context = watcher->context_;
    invoke([callback, context, ready] { callback(context, ready); },
           watcher->where_);
  }
}

}  // namespace gale
