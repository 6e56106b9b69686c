// Reactor: lifecycle, the loop iteration and its phases, callbacks and timers.
// File-descriptor handlers are in reactor_io.cc.
#include "reactor/reactor.h"

#include <sched.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <utility>

#include "absl/base/dynamic_annotations.h"
#include "reactor/check.h"
#include "reactor/internal/asymmetric_barrier.h"
#include "reactor/internal/handler_entry.h"
#include "reactor/internal/invoke.h"
#include "reactor/internal/ready_queue.h"
#include "reactor/internal/selector.h"
#include "reactor/internal/wakeup.h"

namespace gale {
namespace {

using internal::t_current_reactor;

// Pauses between two looks at the cross-thread queue while idle-polling: a
// look every ~100 ns (a pause is ~140 cycles on Cascade Lake), since a hop
// between these cores costs little more; the clock every 16 looks.
constexpr int kSpinPauses = 2;
// The step back after catching up with a stream of posts: ~3 µs (a pause is
// ~140 cycles on Cascade Lake; fewer on older cores), and what counts as a
// stream: this many posts found waiting at once.
constexpr int kStreamPauses = 64;
constexpr size_t kStreamMinimum = 8;
constexpr unsigned kLooksPerClockRead = 16;
constexpr unsigned kLooksPerYield = 4 * kLooksPerClockRead;

inline void cpu_relax() {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}

void log_exception(const CallbackFailure& failure) {
  const char* what = "unknown exception";
  std::string message;
  try {
    std::rethrow_exception(failure.exception);
  } catch (const std::exception& e) {
    message = e.what();
    what = message.c_str();
  } catch (...) {
  }
  std::fprintf(stderr, "gale: callback scheduled at %s:%u (%s) threw: %s\n",
               failure.where.file_name(), failure.where.line(),
               failure.where.function_name(), what);
}

void log_slow_callback(std::source_location where, Duration took) {
  std::fprintf(stderr,
               "gale: slow callback scheduled at %s:%u (%s) took %.3f ms\n",
               where.file_name(), where.line(), where.function_name(),
               std::chrono::duration<double, std::milli>(took).count());
}

}  // namespace

// ---- Lifecycle
// ------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Reactor>> Reactor::create(
    ReactorOptions options) {
  if (t_current_reactor != nullptr) {
    return absl::FailedPreconditionError(
        "Reactor::create: this thread already owns a reactor (one per thread)");
  }
  absl::StatusOr<std::unique_ptr<internal::Selector>> selector =
      options.backend == SelectorBackend::kPoll
          ? internal::make_poll_selector()
          : internal::make_epoll_selector();
  if (!selector.ok()) return selector.status();
  internal::enable_asymmetric_barriers();
  absl::StatusOr<int> event_fd = internal::Wakeup::open_eventfd();
  if (!event_fd.ok()) return event_fd.status();
  auto wakeup = std::make_unique<internal::Wakeup>(*event_fd);
  const absl::Status added = (*selector)->add(
      wakeup->fd(), kReadable,
      internal::handler_token(wakeup->fd(), internal::kWakeupGeneration));
  if (!added.ok()) return added;
  return std::unique_ptr<Reactor>(
      new Reactor(std::move(options), *std::move(selector), std::move(wakeup)));
}

Reactor::Reactor(ReactorOptions options,
                 std::unique_ptr<internal::Selector> selector,
                 std::unique_ptr<internal::Wakeup> wakeup)
    : options_(std::move(options)),
      reclaimer_(std::make_shared<internal::Reclaimer>(*this)),
      selector_(std::move(selector)),
      wakeup_(std::move(wakeup)),
      now_(Clock::now()),
      last_poll_(now_) {
  if (!options_.on_exception) options_.on_exception = log_exception;
  if (!options_.on_slow_callback) options_.on_slow_callback = log_slow_callback;
  t_current_reactor = this;
}

Reactor::~Reactor() {
  assert_in_loop_thread();
  GALE_CHECK(!running_,
             "a reactor cannot be destroyed from inside its own run()");
  reclaimer_->reactor_gone();
  // Suspended tasks first, while timers, handlers and queues are intact: their
  // awaitables give back what they hold as their frames are destroyed.
  root_tasks_.destroy_all();
  for (size_t fd = 0; fd < handlers_.size(); ++fd) {
    if (handlers_[fd] != nullptr) (void)remove_handler(static_cast<int>(fd));
  }
  t_current_reactor = nullptr;
}

void Reactor::assert_in_loop_thread() const {
  GALE_CHECK(
      in_loop_thread(),
      "a Reactor-thread-only method was called from a thread that does not own "
      "this reactor");
}

const char* Reactor::backend_name() const { return selector_->name(); }

ReactorStats Reactor::stats() const {
  assert_in_loop_thread();
  ReactorStats stats = stats_;
  stats.timers_pending = timers_.pending();
  stats.timer_heap_entries = timers_.heap_entries();
  stats.timer_heap_compactions = timers_.compactions();
  stats.wakeups_written = wakeup_->written();
  return stats;
}

// ---- Callbacks and timers
// -------------------------------------------------------------

void Reactor::post_from_another_thread(Callback fn,
                                       std::source_location where) {
  if (const moodycamel::ProducerToken* lane = lane_from_calling_thread()) {
    // A lane (a sibling's, or a foreign thread's) reuses its emptied blocks
    // after a relaxed load and an acquire fence, which GCC's TSan does not
    // model: it would report the consumer's last accesses to a slot against
    // the next write to it. TSan builds alone skip the writes of this call;
    // the queue's atomics still carry the edges TSan checks (everything
    // before post() happens before `fn` runs).
    ABSL_ANNOTATE_IGNORE_WRITES_BEGIN();
    inbound_.enqueue(*lane, internal::InboundWork{std::move(fn), where});
    ABSL_ANNOTATE_IGNORE_WRITES_END();
  } else {
    inbound_.enqueue(internal::InboundWork{std::move(fn), where});
  }
  wakeup_->notify();  // after either enqueue: the sleep check is the same
}

// Never this reactor's own thread (post() took the ready queue), so an equal
// group means a sibling of the same runtime: a group of one is the reactor
// itself.
const moodycamel::ProducerToken* Reactor::lane_from_calling_thread() {
  const Reactor* sender = current();
  if (sender != nullptr && sender->peer_group_ == peer_group_) {
    return lanes_[sender->peer_index_].get();
  }
  return foreign_lanes_.lane_for_calling_thread(inbound_);
}

TimerId Reactor::call_at(TimePoint deadline, Callback fn,
                         std::source_location where) {
  assert_in_loop_thread();
  return timers_.schedule(deadline, std::move(fn), where);
}

TimerId Reactor::call_later(Duration delay, Callback fn,
                            std::source_location where) {
  assert_in_loop_thread();
  return timers_.schedule(saturating_add(Clock::now(), delay), std::move(fn),
                          where);
}

std::optional<TimePoint> Reactor::timer_deadline(TimerId id) const {
  assert_in_loop_thread();
  return timers_.deadline_of(id);
}

bool Reactor::cancel(TimerId id) {
  assert_in_loop_thread();
  const bool cancelled = timers_.cancel(id);
  stats_.timers_cancelled += cancelled ? 1 : 0;
  return cancelled;
}

void internal::PeerLanes::connect(const void* group,
                                  std::span<Reactor* const> peers) {
  for (size_t target = 0; target < peers.size(); ++target) {
    Reactor& reactor = *peers[target];
    reactor.peer_group_ = group;
    reactor.peer_index_ = target;
    reactor.lanes_.resize(peers.size());
    for (size_t sender = 0; sender < peers.size(); ++sender) {
      if (sender == target) continue;
      auto lane = std::make_unique<moodycamel::ProducerToken>(reactor.inbound_);
      // An invalid token (its producer could not be allocated) leaves that
      // sender on the implicit path for good, which keeps its order too.
      if (lane->valid()) reactor.lanes_[sender] = std::move(lane);
    }
  }
}

// ---- Running
// --------------------------------------------------------------------------

void Reactor::run() { run_until(TimePoint::max()); }

bool Reactor::run_until(TimePoint deadline) {
  assert_in_loop_thread();
  GALE_CHECK(!running_, "run() called while the reactor is already running");
  running_ = true;
  do {
    run_once(deadline);
  } while (!stop_requested_.load(std::memory_order_relaxed) && now_ < deadline);
  running_ = false;
  return stop_requested_.exchange(false, std::memory_order_relaxed);
}

void Reactor::stop() {
  stop_requested_.store(true, std::memory_order_relaxed);
  wakeup_->notify();
}

void Reactor::run_once(TimePoint run_deadline) {
  ++stats_.iterations;
  apply_interest_changes();
  poll_for_io(run_deadline);
  run_due_timers();
  run_ready();
  retired_handlers_.clear();
}

// Waits for I/O. While callbacks keep coming, polls without blocking, and only
// once io_poll_interval has passed since the last poll: a zero-timeout poll per
// iteration would cost a syscall per callback. With nothing to do, sleeps, but
// first checks for ready I/O without blocking and then watches the cross-thread
// queue for idle_poll, so that neither pays for a sleep and a wakeup.
void Reactor::poll_for_io(TimePoint run_deadline) {
  const bool busy = has_ready_work();
  // Read the clock only when something here depends on it: the poll budget of
  // a busy loop, a timer, a run deadline, or the idle poll below. An
  // I/O-bound loop without timers (fd_pingpong) then pays no clock read per
  // iteration, and no path reads it twice (a read is ~20-50 ns on a VM, a
  // sixth of a hop between two cores).
  const bool idle_polls = options_.idle_poll > Duration::zero();
  if (busy || idle_polls || timers_.pending() > 0 ||
      run_deadline != TimePoint::max()) {
    now_ = Clock::now();
  }
  if (busy) {
    if (now_ - last_poll_ >= options_.io_poll_interval)
      wait_for_io(Duration::zero());
    return;
  }
  const Duration timeout = poll_timeout(run_deadline);
  if (timeout == Duration::zero()) {
    wait_for_io(Duration::zero());
    return;
  }
  // Idle. Look for I/O once more before watching the inbound queue — unless
  // the last look, a moment ago, found none: a message ping-pong between
  // reactors then pays no syscall per message, and I/O waits at most the
  // idle poll (the sleep below looks again).
  if (idle_polls) {
    const bool looked_just_now =
        !last_poll_found_io_ && now_ - last_poll_ < options_.io_poll_interval;
    if (!looked_just_now && wait_for_io(Duration::zero()) > 0) return;
    if (spin_for_inbound(std::min(timeout, options_.idle_poll))) return;
  } else if (wait_for_io(Duration::zero()) > 0) {
    return;
  }
  sleep_for_io(poll_timeout(run_deadline));
}

bool Reactor::has_ready_work() {
  return !ready_.empty() || inbound_.size_approx() > 0 || reclaimer_->waiting();
}

// Polls the selector and dispatches what it reports; returns the event count.
size_t Reactor::wait_for_io(Duration timeout) {
  absl::StatusOr<std::span<const internal::ReadyEvent>> events =
      selector_->wait(timeout);
  GALE_CHECK(events.ok(), "the selector's wait failed");
  ++stats_.polls;
  if (timeout > Duration::zero()) {
    wakeup_->woke();  // producers need not write the eventfd any more
    now_ = Clock::now();
  }
  last_poll_ = now_;
  last_poll_found_io_ = !events->empty();
  dispatch(*events);
  return events->size();
}

// Watches the cross-thread queue and the stop flag for up to `limit`; true if
// either has something.
bool Reactor::spin_for_inbound(Duration limit) {
  const TimePoint until = now_ + limit;
  for (unsigned looks = 1;; ++looks) {
    // Found: now_ stays as the last clock read, at most a few looks old (a
    // timer due since then fires a turn later, never early).
    if (inbound_.size_approx() > 0) {
      prefetch_next_inbound();
      return true;
    }
    if (stop_requested_.load(std::memory_order_relaxed)) return true;
    // Not a tight loop: every look pulls the producers' queue lines over.
    for (int i = 0; i < kSpinPauses; ++i) cpu_relax();
    if (looks % kLooksPerClockRead != 0) continue;
    now_ = Clock::now();
    if (now_ >= until) return false;
    // Every few microseconds, give the CPU away if another thread wants it:
    // when the scheduler put the sender on this CPU too, spinning would only
    // keep it from sending. Alone on the CPU, this returns at once.
    if (looks % kLooksPerYield == 0) sched_yield();
  }
}

// Something has just arrived in the inbound queue, and it is most likely in
// the slot after the last one taken (a message ping-pong, a request and its
// reply). Asking for that slot's cache lines now overlaps their trip from the
// posting core with the dequeue's first steps: the dequeue claims its items
// with locked read-modify-writes of the producer's indices, which must first
// take their line exclusive from the posting core, and on x86 a locked
// instruction holds back every later load, so the item's lines would
// otherwise set out only after that (pingpong_cross: 0.69x -> 0.80x of the
// bare ping-pong, docs/benchmarks.md). A wrong guess (another producer, a new
// block) costs up to two lines' transfers, and may take a line from a
// producer still writing it; a prefetch never faults.
void Reactor::prefetch_next_inbound() const {
  // Two prefetches cover a slot only if it spans at most two cache lines.
  static_assert(sizeof(internal::InboundWork) <= 64);
  if (next_inbound_slot_ == 0) return;
  // NOLINTBEGIN(performance-no-int-to-ptr): only prefetched, never read
  const auto* first = reinterpret_cast<const void*>(next_inbound_slot_);
  // A slot need not start a cache line: its last byte may be on the next.
  const auto* last = reinterpret_cast<const void*>(
      next_inbound_slot_ + sizeof(internal::InboundWork) - 1);
  // NOLINTEND(performance-no-int-to-ptr)
  __builtin_prefetch(first);
  __builtin_prefetch(last);
}

// Announces the sleep, looks once more (see internal/wakeup.h), then blocks.
void Reactor::sleep_for_io(Duration timeout) {
  wakeup_->announce_sleep();
  if (inbound_.size_approx() > 0 ||
      stop_requested_.load(std::memory_order_relaxed)) {
    timeout = Duration::zero();
  }
  ++stats_.sleeps;
  wait_for_io(timeout);
}

// 0 if stopping; the time to the earliest timer or run deadline, capped at 24
// h; or forever. An idle reactor makes no wakeups at all.
Duration Reactor::poll_timeout(TimePoint run_deadline) {
  if (stop_requested_.load(std::memory_order_relaxed)) return Duration::zero();
  TimePoint next = run_deadline;
  if (std::optional<TimePoint> timer = timers_.next_deadline();
      timer && *timer < next) {
    next = *timer;
  }
  if (next == TimePoint::max()) return internal::kWaitForever;
  if (next <= now_) return Duration::zero();
  return std::min<Duration>(next - now_, kMaxWait);
}

// Moves every due timer out before running any, so a timer re-armed by its own
// callback cannot fire twice in one pass; one cancelled by an earlier timer of
// the pass never runs.
void Reactor::run_due_timers() {
  if (timers_.pending() == 0) return;
  due_timers_.clear();
  if (timers_.pop_due(now_, due_timers_) == 0) return;
  for (TimerId id : due_timers_) {
    std::optional<Work> work = timers_.take(id);
    if (!work) continue;
    ++stats_.timers_fired;
    invoke(work->fn, work->where);
  }
}

// One pass: what was ready when it began (callbacks they post wait a turn),
// then the inbound queue. What the reclaimer took at the pass's start is freed
// at its end if the inbound queue came back short (internal/reclaimer.h).
void Reactor::run_ready() {
  reclaimer_->begin_pass();
  for (size_t n = ready_.size(); n > 0; --n) {
    Work& work = ready_.front();
    ++stats_.callbacks_run;
    invoke(work.fn, work.where);
    ready_.pop_front();
  }
  const size_t budget = reclaimer_->overdue() ? kOverdueInboundPerIteration
                                              : kMaxInboundPerIteration;
  reclaimer_->end_pass(run_inbound(budget));
}

// True if a dequeue came back short: every post made before the call began
// has run. The reclaimer counts on it: a try_dequeue_bulk without a consumer
// token visits every producer before it returns short.
bool Reactor::run_inbound(size_t budget) {
  size_t taken = 0;
  while (taken < budget) {
    const size_t count =
        inbound_.try_dequeue_bulk(inbound_batch_.begin(), kInboundBatch);
    if (count > 0) next_inbound_slot_ = inbound_batch_[count - 1].next_slot();
    for (size_t i = 0; i < count; ++i) {
      ++stats_.callbacks_run;
      invoke(inbound_batch_[i].fn, inbound_batch_[i].where);
      inbound_batch_[i].fn = nullptr;
    }
    taken += count;
    if (count < kInboundBatch) {
      // A stream of posts just caught up with (at least kStreamMinimum
      // waited, fewer than a batch): step back before the next look, so that
      // the producer fills whole cache lines of the queue while this thread
      // is not reading them — chasing it item by item pulls each line across
      // cores several times (cross_thread_post: ~1.4x the throughput). A
      // message or a few (a ping-pong, requests from a couple of peers) pay
      // nothing, nor does a loop with callbacks or I/O to attend to.
      if (count >= kStreamMinimum && ready_.empty() && !last_poll_found_io_) {
        for (int i = 0; i < kStreamPauses; ++i) cpu_relax();
      }
      return true;
    }
  }
  return false;
}

// ---- The callback boundary
// ------------------------------------------------------------

void Reactor::report_exception(std::source_location where) {
  report_failure(std::current_exception(), where);
}

void Reactor::report_failure(std::exception_ptr failure,
                             std::source_location where) {
  ++stats_.exceptions;
  try {
    options_.on_exception(CallbackFailure{std::move(failure), where});
  } catch (...) {
    log_exception(CallbackFailure{std::current_exception(), where});
  }
}

void Reactor::report_slow(std::source_location where, Duration took) {
  ++stats_.slow_callbacks;
  try {
    options_.on_slow_callback(where, took);
  } catch (...) {
    log_exception(CallbackFailure{std::current_exception(), where});
  }
}

}  // namespace gale
