// Reactor: file-descriptor handlers — registration, batched interest changes,
// dispatch.
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "reactor/internal/handler_entry.h"
#include "reactor/internal/invoke.h"
#include "reactor/internal/selector.h"
#include "reactor/internal/wakeup.h"
#include "reactor/reactor.h"
#include "reactor/status_macros.h"

namespace gale {

using internal::HandlerEntry;

internal::HandlerEntry* Reactor::find_handler(int fd) {
  if (fd < 0 || static_cast<size_t>(fd) >= handlers_.size()) return nullptr;
  return handlers_[fd].get();
}

absl::Status Reactor::add_handler(int fd, IoEvents interest, IoHandler handler,
                                  std::source_location where) {
  assert_in_loop_thread();
  if (fd < 0)
    return absl::InvalidArgumentError(absl::StrCat("add_handler: bad fd ", fd));
  if (!handler) return absl::InvalidArgumentError("add_handler: empty handler");
  if (find_handler(fd) != nullptr) {
    return absl::AlreadyExistsError(
        absl::StrCat("add_handler: fd ", fd, " already has a handler"));
  }
  if (++next_generation_ == internal::kWakeupGeneration) ++next_generation_;
  const uint32_t generation = next_generation_;
  GALE_RETURN_IF_ERROR(
      selector_->add(fd, interest, internal::handler_token(fd, generation)));
  if (static_cast<size_t>(fd) >= handlers_.size()) handlers_.resize(fd + 1);
  auto entry = std::make_unique<HandlerEntry>();
  entry->handler = std::move(handler);
  entry->where = where;
  entry->interest = interest;
  entry->applied = interest;
  entry->generation = generation;
  handlers_[fd] = std::move(entry);
  return absl::OkStatus();
}

absl::Status Reactor::update_handler(int fd, IoEvents interest) {
  assert_in_loop_thread();
  HandlerEntry* entry = find_handler(fd);
  if (entry == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("update_handler: fd ", fd, " has no handler"));
  }
  entry->interest = interest;
  if (!entry->dirty && entry->interest != entry->applied) {
    entry->dirty = true;
    dirty_fds_.push_back(fd);
  }
  return absl::OkStatus();
}

absl::Status Reactor::remove_handler(int fd) {
  assert_in_loop_thread();
  HandlerEntry* entry = find_handler(fd);
  if (entry == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("remove_handler: fd ", fd, " has no handler"));
  }
  absl::Status status = selector_->remove(fd);
  // Keep the entry alive until dispatch ends: this may be its own handler
  // running.
  retired_handlers_.push_back(std::move(handlers_[fd]));
  return status;
}

void Reactor::apply_interest_changes() {
  for (int fd : dirty_fds_) {
    HandlerEntry* entry = find_handler(fd);
    if (entry == nullptr || !entry->dirty) continue;  // removed since
    entry->dirty = false;
    if (entry->interest == entry->applied) continue;
    const absl::Status status = selector_->modify(
        fd, entry->interest, internal::handler_token(fd, entry->generation));
    if (!status.ok()) {
      std::fprintf(stderr, "gale: could not change the interest of fd %d: %s\n",
                   fd, status.ToString().c_str());
      continue;
    }
    entry->applied = entry->interest;
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
    HandlerEntry* entry = find_handler(internal::token_fd(event.token));
    // Drop events of a registration removed (or replaced) earlier in this
    // batch.
    if (entry == nullptr || entry->generation != generation) continue;
    const IoEvents ready = event.events & (entry->interest | kIoError);
    if (ready == kNoEvents) continue;
    ++stats_.io_events;
    invoke([entry, ready] { entry->handler(ready); }, entry->where);
  }
}

}  // namespace gale
