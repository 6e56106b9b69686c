// Reactor: the event loop of one thread. It owns a selector (epoll or poll), a
// ready queue of callbacks, a timer heap and a wakeup eventfd, and runs them in
// iterations:
//
//   apply interest changes → wait for I/O → dispatch fd handlers → run due
//   timers → run the callbacks that were ready when this step began (later ones
//   wait a turn)
//
// It is Tornado's IOLoop / asyncio's _run_once in C++, one per thread: the
// thread that calls Reactor::create() owns the reactor, and only that thread
// may run it, schedule timers or register descriptors. Other threads talk to it
// through post() and stop().
//
//   auto reactor = gale::Reactor::create().value();
//   reactor->call_later(std::chrono::milliseconds(10), [&] {
//     std::puts("10 ms later");
//     reactor->stop();
//   });
//   reactor->post([] { std::puts("first"); });
//   reactor->run();  // prints "first", then "10 ms later", then returns
//
// Thread-safety notes: post(), stop(), current() and in_loop_thread() are
// thread-safe. Every other method is "Reactor thread only" and checks it
// (muduo's assertInLoopThread): a call from another thread aborts with a
// message.
//
// Errors: runtime failures (a descriptor already registered, a failed
// epoll_ctl) return absl::Status. A callback that throws is caught at the
// callback boundary and reported to the exception handler with the source
// location that scheduled it; the loop goes on.
#ifndef GALE_REACTOR_REACTOR_H_
#define GALE_REACTOR_REACTOR_H_

#include <concurrentqueue/concurrentqueue.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <source_location>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "reactor/callback.h"
#include "reactor/clock.h"
#include "reactor/fd_watcher.h"
#include "reactor/internal/foreign_lanes.h"
#include "reactor/internal/inbound_work.h"
#include "reactor/internal/ready_queue.h"
#include "reactor/internal/reclaimer.h"
#include "reactor/internal/root_task_list.h"
#include "reactor/io_events.h"
#include "reactor/reactor_options.h"
#include "reactor/reactor_stats.h"
#include "reactor/timer_heap.h"

namespace gale {
namespace internal {
class Selector;
class Wakeup;
struct OwnedHandler;
struct ReadyEvent;
struct ReactorInternals;
struct PeerLanes;
struct ReactorReclaimer;
}  // namespace internal

class Reactor;

namespace internal {
// The reactor owned by this thread. Initial-exec: one %fs-relative load, since
// Gale is linked into the program rather than dlopen()ed.
inline thread_local Reactor* t_current_reactor
    __attribute__((tls_model("initial-exec"))) = nullptr;
}  // namespace internal

class Reactor {
 public:
  // Creates a reactor owned by the calling thread. Fails if this thread already
  // has one (one reactor per thread) or if the selector or eventfd cannot be
  // opened.
  static absl::StatusOr<std::unique_ptr<Reactor>> create(
      ReactorOptions options = {});

  // Reactor thread only, and not while running. Callbacks never run are
  // destroyed here.
  ~Reactor();

  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  // The reactor owned by the calling thread, or nullptr. Thread-safe.
  static Reactor* current() { return internal::t_current_reactor; }

  // ---- Callbacks
  // ----------------------------------------------------------------------

  // Schedules `fn` to run on this reactor's thread. Thread-safe.
  // From the reactor's own thread it joins the ready queue and runs in the next
  // step, after everything already ready. From another thread it goes through a
  // lock-free queue (moodycamel), drained in bulk; the eventfd is written only
  // if the reactor is asleep or about to sleep. A reactor of a Runtime posting
  // to a sibling enqueues through a producer lane reserved for it in the
  // sibling's queue (internal::PeerLanes), cheaper than the per-thread lookup
  // other threads go through; either way, per posting thread, callbacks run
  // in post order. Memory ordering: everything the posting thread wrote
  // before post() is visible to `fn` when it runs (release/acquire through the
  // queue). `fn` is destroyed on the reactor's thread, after it runs or, if it
  // never runs, in ~Reactor.
  template <typename F>
  void post(F&& fn,
            std::source_location where = std::source_location::current()) {
    if (in_loop_thread()) {
      ready_.push(std::forward<F>(fn), where);
    } else {
      post_from_another_thread(Callback(std::forward<F>(fn)), where);
    }
  }

  // ---- Timers
  // -------------------------------------------------------------------------

  // Runs `fn` once, no earlier than `deadline`. Timers with equal deadlines run
  // in the order they were scheduled. Reactor thread only.
  TimerId call_at(TimePoint deadline, Callback fn,
                  std::source_location where = std::source_location::current());

  // Runs `fn` once, no earlier than `delay` from now (a huge delay saturates
  // instead of overflowing). Reactor thread only.
  TimerId call_later(
      Duration delay, Callback fn,
      std::source_location where = std::source_location::current());

  // Cancels a pending timer in O(1) and destroys its callback; false if it
  // already fired or was cancelled. Safe from inside any callback. Reactor
  // thread only.
  bool cancel(TimerId id);

  // When a pending timer is due; nullopt once it is no longer in the heap:
  // fired, cancelled, or due in the pass that runs now, its callback still to
  // come unless cancel() is called. Lets an owner keep a timer armed across
  // waits and move its deadline only when it must (nginx's lazy timers).
  // Reactor thread only.
  std::optional<TimePoint> timer_deadline(TimerId id) const;

  // ---- File descriptors
  // ---------------------------------------------------------------

  // Calls `handler` with the ready events whenever `fd` is ready for `interest`
  // (level-triggered). kIoError is always reported. Adding a descriptor that
  // already has a handler returns AlreadyExists. Reactor thread only.
  absl::Status add_handler(
      int fd, IoEvents interest, IoHandler handler,
      std::source_location where = std::source_location::current());

  // The same with the registration stored in the caller's `watcher`: no
  // allocation. The watcher must outlive the registration (fd_watcher.h).
  absl::Status add_watcher(
      int fd, IoEvents interest, FdWatcher& watcher,
      std::source_location where = std::source_location::current());

  // Changes the interest of a registered descriptor. Changes are batched and
  // applied before the next wait; events already gathered are masked with the
  // new interest. NotFound if `fd` has no handler. Reactor thread only.
  absl::Status update_handler(int fd, IoEvents interest);

  // Unregisters `fd` at once. Safe from inside the handler itself; its pending
  // events in the current batch are dropped. Call it before closing `fd`.
  // NotFound if `fd` has no handler. Reactor thread only.
  absl::Status remove_handler(int fd);

  // The same for a descriptor that its caller closes right after and has not
  // duplicated: the selector learns of it from the close (epoll drops a
  // closed descriptor), which saves a syscall per connection.
  absl::Status remove_handler_before_close(int fd);

  // Reports `failure` to this reactor's exception handler
  // (ReactorOptions::on_exception; by default a log line) as if a callback
  // scheduled at `where` had thrown it, and counts it in stats().exceptions:
  // for code that catches at a boundary of its own (an HTTP handler that
  // threw is answered with a 500) and must not hide the failure. Reactor
  // thread only.
  void report_failure(
      std::exception_ptr failure,
      std::source_location where = std::source_location::current());

  // ---- Running
  // ------------------------------------------------------------------------

  // Runs iterations until stop(). Reactor thread only; not from inside a
  // callback.
  void run();

  // Runs iterations until stop() or until `deadline` passes, whichever comes
  // first. Returns true if it stopped because of stop(). Reactor thread only.
  bool run_until(TimePoint deadline);

  // Makes run() return after the current iteration. If the reactor is not
  // running, the next run() returns after one iteration. Thread-safe (signal
  // handlers excepted).
  void stop();

  // ---- Introspection
  // ------------------------------------------------------------------

  // True on the thread that owns this reactor. Thread-safe.
  bool in_loop_thread() const { return current() == this; }

  // Aborts with a message unless called on the owning thread. Thread-safe.
  void assert_in_loop_thread() const;

  // Reactor thread only.
  ReactorStats stats() const;

  // "epoll" or "poll". Thread-safe.
  const char* backend_name() const;

 private:
  friend struct internal::ReactorInternals;
  friend struct internal::PeerLanes;
  friend struct internal::ReactorReclaimer;

  struct InboundTraits : moodycamel::ConcurrentQueueDefaultTraits {
    static constexpr size_t BLOCK_SIZE = 256;
  };
  // Most cross-thread callbacks taken from the inbound queue in one iteration.
  static constexpr size_t kInboundBatch = 256;
  static constexpr size_t kMaxInboundPerIteration = 16 * kInboundBatch;
  // ... and when the reclaimer's objects are overdue (internal/reclaimer.h).
  static constexpr size_t kOverdueInboundPerIteration =
      16 * kMaxInboundPerIteration;
  // Cap on one wait, so a far-future timer never means an unbounded sleep
  // arithmetic.
  static constexpr Duration kMaxWait = std::chrono::hours(24);

  Reactor(ReactorOptions options, std::unique_ptr<internal::Selector> selector,
          std::unique_ptr<internal::Wakeup> wakeup);

  void post_from_another_thread(Callback fn, std::source_location where);
  const moodycamel::ProducerToken* lane_from_calling_thread();

  // One iteration, in named phases.
  void run_once(TimePoint run_deadline);
  void apply_interest_changes();
  void poll_for_io(TimePoint run_deadline);
  size_t wait_for_io(Duration timeout);
  bool spin_for_inbound(Duration limit);
  void prefetch_next_inbound() const;
  void sleep_for_io(Duration timeout);
  bool has_ready_work();
  Duration poll_timeout(TimePoint run_deadline);
  void dispatch(std::span<const internal::ReadyEvent> events);
  void run_due_timers();
  void run_ready();
  bool run_inbound(size_t budget);

  // Runs one callback with the exception boundary and the slow-callback check.
  template <typename Fn>
  void invoke(Fn&& fn, std::source_location where);
  void report_exception(std::source_location where);
  void report_slow(std::source_location where, Duration took);

  FdWatcher* find_handler(int fd);
  absl::Status remove_registration(int fd, bool closing);

  ReactorOptions options_;
  // Frees objects that callbacks queued here name without a reference.
  // Before the queues, so that it outlives the hand-overs they drop.
  std::shared_ptr<internal::Reclaimer> reclaimer_;
  std::unique_ptr<internal::Selector> selector_;
  internal::ReadyQueue ready_;
  TimerHeap timers_;
  std::vector<TimerId> due_timers_;

  // Descriptor → registration: a watcher inside its owner, or an
  // OwnedHandler's. A removed OwnedHandler is retired rather than freed, so
  // that one removed (or its descriptor re-added) from inside its own callback
  // stays alive until dispatch ends.
  std::vector<FdWatcher*> handlers_;
  std::vector<std::unique_ptr<internal::OwnedHandler>> retired_handlers_;
  std::vector<int> dirty_fds_;
  uint32_t next_generation_ = 0;

  // What posting threads read on every post, on cache lines of its own: were
  // it to share a line with something this thread writes per callback (the
  // dequeue batch, counters), every post would miss its cache.
  alignas(64) std::unique_ptr<internal::Wakeup> wakeup_;
  // The group of reactors this one posts to through lanes, and its index
  // there (internal::PeerLanes). A reactor outside a runtime is a group of
  // one: itself.
  const void* peer_group_ = this;
  size_t peer_index_ = 0;
  moodycamel::ConcurrentQueue<internal::InboundWork, InboundTraits> inbound_;
  // lanes_[i]: the producer through which sibling i enqueues into inbound_
  // (none at this reactor's own index). Declared after inbound_ so that it is
  // destroyed first: a token's destructor touches the producer the queue owns.
  std::vector<std::unique_ptr<moodycamel::ProducerToken>> lanes_;
  // Lanes for threads outside the group (the offload pool, user threads);
  // after inbound_ for the same reason.
  internal::ForeignLanes foreign_lanes_;
  alignas(64) std::array<internal::DequeuedWork, kInboundBatch> inbound_batch_;
  // The slot after the last one the inbound queue gave (DequeuedWork): a
  // guess to prefetch, never dereferenced. Reactor thread only.
  uintptr_t next_inbound_slot_ = 0;

  // Task chains started by spawn(); destroyed first in ~Reactor.
  internal::RootTaskList root_tasks_;

  std::atomic<bool> stop_requested_{false};
  bool running_ = false;
  TimePoint now_;  // the loop's last clock read (timers, budget, deadline)
  TimePoint last_poll_;
  bool last_poll_found_io_ = false;
  ReactorStats stats_;
};

namespace internal {

// Producer lanes between the reactors of one Runtime. Reactor j owns one
// moodycamel ProducerToken into its inbound queue per sibling i; a post from
// i's thread to j enqueues through it rather than through moodycamel's
// implicit producer of the thread, found by a hash lookup on every enqueue.
// Each sender keeps using one producer per target, so per-sender order holds.
// Internal: the runtime's hook and its tests'. Declared next to Reactor rather
// than in internal/reactor_internals.h so that //reactor alone provides it.
struct PeerLanes {
  // Makes `peers` one group named `group` (an address unique while they live,
  // such as the runtime's) and gives each a lane into every sibling's queue.
  // Call once, before any of them posts to a sibling and before they are
  // published to other threads: posting threads read what this writes with
  // no synchronisation of their own. Their loops may already be running: they
  // read none of it, and creating a token is safe against the queue's
  // consumer.
  static void connect(const void* group, std::span<Reactor* const> peers);

  // The lane that posts from the calling thread to `target` go through: a
  // sibling's, or for any other thread a foreign lane (ForeignLanes), or
  // nullptr for moodycamel's implicit path. Thread-safe.
  static const moodycamel::ProducerToken* lane_to(Reactor& target) {
    return target.lane_from_calling_thread();
  }
};

// The Reclaimer of a reactor (internal/reclaimer.h): what frees objects that
// callbacks queued on it name without holding a reference. Internal: the
// actor layer's and its tests'. Thread-safe: set at construction, and shared
// with whoever may outlive the reactor.
struct ReactorReclaimer {
  static const std::shared_ptr<Reclaimer>& of(Reactor& reactor) {
    return reactor.reclaimer_;
  }
};

}  // namespace internal
}  // namespace gale

#endif  // GALE_REACTOR_REACTOR_H_
