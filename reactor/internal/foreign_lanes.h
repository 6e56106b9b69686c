// ForeignLanes: moodycamel producer tokens into one reactor's inbound queue for
// the threads outside its runtime that post to it — the offload pool handing
// results back, a user's own threads. Internal.
//
// Without a token, every enqueue looks up the calling thread's implicit
// producer in a hash table and fills blocks it borrows from, and gives back
// to, the queue's shared free list; an explicit producer reuses its own ring
// of blocks. A thread finds its token in a thread-local cache of 16 entries,
// one place per reactor serial (serials are consecutive, so the reactors of a
// runtime of up to 16 never evict each other), so the steady state takes no
// lock. The first post from a thread to a reactor locks once to find or
// create its token.
//
// Tokens live as long as the reactor (a token's destructor touches the
// producer its queue owns), at most kMaxLanes of them; threads beyond that
// stay on the implicit path for good, which keeps their order too. A thread
// that exits keeps its lane until the reactor goes: a program that posts from
// ever new threads ends up on the implicit path for those. Cache
// entries are keyed by a serial that no later reactor reuses, so an entry
// left behind by a destroyed reactor can never match.
//
// Thread contract: lane_for_calling_thread() is thread-safe; construction
// and destruction are the owner's (the reactor's).
#ifndef GALE_REACTOR_INTERNAL_FOREIGN_LANES_H_
#define GALE_REACTOR_INTERNAL_FOREIGN_LANES_H_

#include <concurrentqueue/concurrentqueue.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace gale::internal {

struct ForeignLaneCacheEntry {
  uint64_t serial = 0;  // of the reactor's ForeignLanes; 0: empty
  moodycamel::ProducerToken* lane = nullptr;
};

class ForeignLanes {
 public:
  // Enough for a runtime's offload pool and a handful of user threads.
  static constexpr size_t kMaxLanes = 64;

  ForeignLanes() : serial_(next_reactor_serial()) {}
  ForeignLanes(const ForeignLanes&) = delete;
  ForeignLanes& operator=(const ForeignLanes&) = delete;

  // The calling thread's token into `queue` (the queue these lanes belong
  // to, always the same one), or nullptr for the implicit path.
  template <typename Queue>
  moodycamel::ProducerToken* lane_for_calling_thread(Queue& queue) {
    CacheEntry& entry = t_cache[serial_ % t_cache.size()];
    if (entry.serial == serial_) return entry.lane;
    // A miss: the first post, or a reactor sharing the place. The lock then,
    // never a wrong lane.
    moodycamel::ProducerToken* lane = find_or_create(queue);
    entry = CacheEntry{serial_, lane};
    return lane;
  }

 private:
  static uint64_t next_reactor_serial() {
    static std::atomic<uint64_t> counter{0};
    return counter.fetch_add(1, std::memory_order_relaxed) + 1;
  }
  static uint64_t next_thread_serial() {
    static std::atomic<uint64_t> counter{0};
    return counter.fetch_add(1, std::memory_order_relaxed) + 1;
  }

  template <typename Queue>
  moodycamel::ProducerToken* find_or_create(Queue& queue) {
    const uint64_t thread = t_thread_serial;
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [owner, lane] : lanes_) {
      if (owner == thread) return lane.get();
    }
    if (lanes_.size() >= kMaxLanes) return nullptr;
    auto lane = std::make_unique<moodycamel::ProducerToken>(queue);
    // An invalid token (its producer could not be allocated) is recorded as
    // none, so this thread stays on the implicit path.
    if (!lane->valid()) lane.reset();
    lanes_.emplace_back(thread, std::move(lane));
    return lanes_.back().second.get();
  }

  using CacheEntry = ForeignLaneCacheEntry;
  static inline thread_local std::array<CacheEntry, 16> t_cache{};
  // Threads get serials rather than std::thread::id, which a new thread may
  // inherit from one that exited while its token was in use.
  static inline thread_local uint64_t t_thread_serial = next_thread_serial();

  const uint64_t serial_;
  // std::mutex rather than absl::Mutex: TSan sees through pthread's, and
  // Debian's Abseil is not built for TSan.
  std::mutex mutex_;
  // (thread serial, its lane or null), guarded by mutex_.
  std::vector<std::pair<uint64_t, std::unique_ptr<moodycamel::ProducerToken>>>
      lanes_;
};

}  // namespace gale::internal

#endif  // GALE_REACTOR_INTERNAL_FOREIGN_LANES_H_
