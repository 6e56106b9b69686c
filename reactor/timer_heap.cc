#include "reactor/timer_heap.h"

#include <algorithm>
#include <utility>

namespace gale {
namespace {

int64_t to_ns(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             t.time_since_epoch())
      .count();
}

}  // namespace

TimerId TimerHeap::schedule(TimePoint deadline, Callback fn,
                            std::source_location where) {
  const uint32_t slot = allocate_slot();
  const uint64_t sequence = next_sequence_++;
  Slot& s = slot_at(slot);
  s.sequence = sequence;
  s.in_heap = true;
  s.deadline_ns = to_ns(deadline);
  s.work.fn = std::move(fn);
  s.work.where = where;
  heap_.push_back(Entry{s.deadline_ns, sequence, slot});
  std::push_heap(heap_.begin(), heap_.end(), later);
  ++pending_;
  return TimerId(slot, sequence);
}

uint32_t TimerHeap::allocate_slot() {
  if (!free_slots_.empty()) {
    const uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  if (slot_count_ % kSlotsPerChunk == 0)
    chunks_.push_back(std::make_unique<SlotChunk>());
  return slot_count_++;
}

bool TimerHeap::cancel(TimerId id) {
  if (!id.valid() || id.slot_ >= slot_count_) return false;
  Slot& slot = slot_at(id.slot_);
  if (slot.sequence != id.sequence_) return false;
  const bool was_in_heap = slot.in_heap;
  free_slot(id.slot_);
  if (was_in_heap) {
    --pending_;
    maybe_compact();
  }
  return true;
}

std::optional<TimePoint> TimerHeap::deadline_of(TimerId id) const {
  if (!id.valid() || id.slot_ >= slot_count_) return std::nullopt;
  const Slot& slot = slot_at(id.slot_);
  if (slot.sequence != id.sequence_ || !slot.in_heap) return std::nullopt;
  return TimePoint(std::chrono::duration_cast<Duration>(
      std::chrono::nanoseconds(slot.deadline_ns)));
}

size_t TimerHeap::pop_due(TimePoint now, std::vector<TimerId>& due) {
  const int64_t now_ns = to_ns(now);
  size_t count = 0;
  while (!heap_.empty() && heap_.front().deadline_ns <= now_ns) {
    const Entry top = heap_.front();
    pop_top();
    Slot& slot = slot_at(top.slot);
    if (slot.sequence != top.sequence) continue;  // cancelled
    slot.in_heap = false;
    --pending_;
    due.push_back(TimerId(top.slot, top.sequence));
    ++count;
  }
  return count;
}

std::optional<Work> TimerHeap::take(TimerId id) {
  if (!id.valid() || id.slot_ >= slot_count_) return std::nullopt;
  Slot& slot = slot_at(id.slot_);
  if (slot.sequence != id.sequence_ || slot.in_heap) return std::nullopt;
  std::optional<Work> work(std::move(slot.work));
  free_slot(id.slot_);
  return work;
}

std::optional<TimePoint> TimerHeap::next_deadline() {
  drop_stale_top();
  if (heap_.empty()) return std::nullopt;
  return TimePoint(std::chrono::duration_cast<Duration>(
      std::chrono::nanoseconds(heap_.front().deadline_ns)));
}

void TimerHeap::pop_top() {
  std::pop_heap(heap_.begin(), heap_.end(), later);
  heap_.pop_back();
}

void TimerHeap::drop_stale_top() {
  while (!heap_.empty() && is_stale(heap_.front())) pop_top();
}

void TimerHeap::maybe_compact() {
  const size_t stale = heap_.size() - pending_;
  if (heap_.size() <= kCompactionMinEntries || stale * 2 <= heap_.size())
    return;
  std::erase_if(heap_, [this](const Entry& e) { return is_stale(e); });
  std::make_heap(heap_.begin(), heap_.end(), later);
  ++compactions_;
}

void TimerHeap::free_slot(uint32_t slot) {
  Slot& s = slot_at(slot);
  s.sequence = 0;
  s.in_heap = false;
  s.work.fn = nullptr;
  free_slots_.push_back(slot);
}

}  // namespace gale
