// TimerHeap: the timer queue of one reactor, a binary min-heap ordered by
// (deadline, sequence) so that timers with equal deadlines fire in the order
// they were scheduled.
//
// Cancellation is O(1) and lazy (asyncio's rule): cancel() frees the timer's
// slot and its callback at once and leaves a stale heap entry behind,
// recognised by its sequence number and skipped when it reaches the top. When
// the heap holds more than 100 entries and more than half are stale, it is
// rebuilt without them.
//
// Time is a parameter, never read from a clock here, so the logic is testable
// with any sequence of instants (Seastar's manual_clock idea).
//
//   gale::TimerHeap timers;
//   gale::TimerId id = timers.schedule(now + 10ms, [] { ... }, where);
//   timers.cancel(id);
//   std::vector<gale::TimerId> due;
//   timers.pop_due(now, due);                    // every timer whose deadline
//   <= now for (gale::TimerId t : due)
//     if (auto work = timers.take(t)) work->fn();  // skipped if cancelled
//     meanwhile
//
// Thread contract: not thread-safe; a Reactor uses it from its own thread only.
#ifndef GALE_REACTOR_TIMER_HEAP_H_
#define GALE_REACTOR_TIMER_HEAP_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <source_location>
#include <vector>

#include "reactor/callback.h"
#include "reactor/clock.h"

namespace gale {

// Names one scheduled timer. Cheap to copy; stays safe to cancel after the
// timer fired or was cancelled (that cancel returns false). A
// default-constructed id names no timer.
class TimerId {
 public:
  TimerId() = default;
  bool valid() const { return sequence_ != 0; }
  friend bool operator==(TimerId, TimerId) = default;

 private:
  friend class TimerHeap;
  TimerId(uint32_t slot, uint64_t sequence)
      : slot_(slot), sequence_(sequence) {}

  uint32_t slot_ = 0;
  uint64_t sequence_ = 0;
};

class TimerHeap {
 public:
  // The heap is rebuilt without stale entries when it holds more than this many
  // entries and more than half of them are stale.
  static constexpr size_t kCompactionMinEntries = 100;

  TimerHeap() = default;
  TimerHeap(const TimerHeap&) = delete;
  TimerHeap& operator=(const TimerHeap&) = delete;

  TimerId schedule(TimePoint deadline, Callback fn, std::source_location where);

  // Cancels a pending timer and destroys its callback; false if it already
  // fired, was cancelled, or was taken.
  bool cancel(TimerId id);

  // When a pending timer is due; nullopt once it fired, was taken or was
  // cancelled (or popped by pop_due).
  std::optional<TimePoint> deadline_of(TimerId id) const;

  // Appends to `due` every pending timer with deadline <= now, in (deadline,
  // sequence) order, and removes them from the heap. Their callbacks stay in
  // place until take(), so a timer cancelled between pop_due and take never
  // runs. Returns the number appended.
  size_t pop_due(TimePoint now, std::vector<TimerId>& due);

  // Moves out the callback of a timer returned by pop_due; nullopt if cancelled
  // since.
  std::optional<Work> take(TimerId id);

  // The earliest pending deadline, if any. Drops stale entries from the top.
  std::optional<TimePoint> next_deadline();

  // Timers scheduled and neither fired, taken nor cancelled.
  size_t pending() const { return pending_; }
  // Heap entries, stale ones included: what compaction bounds.
  size_t heap_entries() const { return heap_.size(); }
  // How many times the heap was rebuilt without its stale entries.
  uint64_t compactions() const { return compactions_; }

 private:
  struct Entry {
    int64_t deadline_ns;
    uint64_t sequence;
    uint32_t slot;
  };
  struct Slot {
    uint64_t sequence =
        0;  // 0: free. Matches the heap entry or pop_due id that owns it.
    bool in_heap =
        false;  // false once pop_due handed it out, until take or cancel
    int64_t deadline_ns = 0;  // the heap entry's, while in_heap
    Work work;
  };

  static bool later(const Entry& a, const Entry& b) {
    return a.deadline_ns != b.deadline_ns ? a.deadline_ns > b.deadline_ns
                                          : a.sequence > b.sequence;
  }
  // Slots live in fixed-size chunks: a million timers never copy each other
  // when the store grows, and a slot's address never changes.
  static constexpr uint32_t kSlotsPerChunk = 1024;
  struct SlotChunk {
    Slot slots[kSlotsPerChunk];
  };
  Slot& slot_at(uint32_t index) {
    return chunks_[index / kSlotsPerChunk]->slots[index % kSlotsPerChunk];
  }
  const Slot& slot_at(uint32_t index) const {
    return chunks_[index / kSlotsPerChunk]->slots[index % kSlotsPerChunk];
  }
  bool is_stale(const Entry& entry) const {
    return slot_at(entry.slot).sequence != entry.sequence;
  }
  uint32_t allocate_slot();
  void pop_top();
  void drop_stale_top();
  void maybe_compact();
  void free_slot(uint32_t slot);

  std::vector<Entry> heap_;
  std::vector<std::unique_ptr<SlotChunk>> chunks_;
  uint32_t slot_count_ =
      0;  // slots ever handed out; free ones are in free_slots_
  std::vector<uint32_t> free_slots_;
  uint64_t next_sequence_ = 1;
  size_t pending_ = 0;  // live timers still in the heap
  uint64_t compactions_ = 0;
};

}  // namespace gale

#endif  // GALE_REACTOR_TIMER_HEAP_H_
