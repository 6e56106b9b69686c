#include "actors/runtime.h"

#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <future>
#include <utility>

#include "absl/strings/str_cat.h"
#include "actors/internal/live_actors.h"
#include "reactor/check.h"
#include "reactor/internal/reactor_internals.h"

namespace gale {
namespace {

size_t or_cores(size_t count) {
  if (count != 0) return count;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : cores;
}

// Pins the calling thread to the `index`-th CPU this process may run on.
absl::Status pin_to_cpu(size_t index) {
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
    return absl::ErrnoToStatus(errno, "sched_getaffinity");
  }
  const int count = CPU_COUNT(&allowed);
  if (count == 0) return absl::InternalError("no CPU in the affinity mask");
  int wanted = static_cast<int>(index % static_cast<size_t>(count));
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &allowed) || wanted-- > 0) continue;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    const int error = pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
    if (error != 0) {
      return absl::ErrnoToStatus(error, absl::StrCat("pinning to CPU ", cpu));
    }
    return absl::OkStatus();
  }
  return absl::InternalError("no CPU to pin to");
}

}  // namespace

absl::StatusOr<std::unique_ptr<Runtime>> Runtime::start(
    const RuntimeOptions& options) {
  ThreadPoolOptions pool_options;
  pool_options.threads = or_cores(options.offload_threads);
  pool_options.max_queued = options.offload_max_queued;
  pool_options.name = "gale-offload";
  absl::StatusOr<std::unique_ptr<ThreadPool>> pool =
      ThreadPool::create(pool_options);
  if (!pool.ok()) return pool.status();
  std::unique_ptr<Runtime> runtime(new Runtime(*std::move(pool)));
  const absl::Status launched = runtime->launch(options);
  if (!launched.ok()) return launched;  // ~Runtime stops and joins what started
  return runtime;
}

// Each thread creates its reactor, reports (the reactor or why not), runs it
// until stop, and destroys it on the way out.
absl::Status Runtime::launch(const RuntimeOptions& options) {
  const size_t count = or_cores(options.reactors);
  absl::Status first_failure;
  for (size_t i = 0; i < count; ++i) {
    auto slot = std::make_unique<ReactorThread>();
    std::promise<absl::StatusOr<Reactor*>> ready;
    std::future<absl::StatusOr<Reactor*>> reported = ready.get_future();
    try {
      slot->thread = std::thread(&Runtime::thread_main, this,
                                 std::cref(options), i, std::move(ready));
    } catch (const std::system_error& e) {
      first_failure = absl::ResourceExhaustedError(
          absl::StrCat("starting reactor thread ", i, ": ", e.what()));
      break;
    }
    // The thread reads `options` only before it reports.
    absl::StatusOr<Reactor*> reactor = reported.get();
    if (!reactor.ok()) {
      slot->thread.join();
      first_failure = reactor.status();
      break;
    }
    slot->reactor = *reactor;
    threads_.push_back(std::move(slot));
  }
  if (!first_failure.ok()) return first_failure;
  connect_lanes();
  return absl::OkStatus();
}

// Gives every reactor a producer lane into each sibling's inbound queue (see
// internal::PeerLanes). The reactor threads already run their loops, but no
// user code: that reaches a reactor only through a post made after start()
// returns, which the queue orders after this (release/acquire).
void Runtime::connect_lanes() {
  std::vector<Reactor*> reactors;
  reactors.reserve(threads_.size());
  for (const std::unique_ptr<ReactorThread>& slot : threads_)
    reactors.push_back(slot->reactor);
  internal::PeerLanes::connect(this, reactors);
}

Runtime::~Runtime() {
  stop();
  wait();
  pool_->shutdown();
}

// Counted in and out so that wait() never destroys a reactor under a stop()
// (from a signal handler, say). Only atomics and Reactor::stop: signal-safe.
void Runtime::stop() {
  stops_in_flight_.fetch_add(1, std::memory_order_seq_cst);
  if (!tearing_down_.load(std::memory_order_seq_cst)) {
    for (const std::unique_ptr<ReactorThread>& slot : threads_)
      slot->reactor->stop();
  }
  stops_in_flight_.fetch_sub(1, std::memory_order_seq_cst);
}

void Runtime::thread_main(const RuntimeOptions& options, size_t index,
                          std::promise<absl::StatusOr<Reactor*>> ready) {
  if (options.pin_threads) {
    if (absl::Status pinned = pin_to_cpu(index); !pinned.ok()) {
      ready.set_value(pinned);
      return;
    }
  }
  ReactorOptions reactor_options;
  reactor_options.backend = options.backend;
  reactor_options.idle_poll = options.idle_poll;
  reactor_options.slow_callback_threshold = options.slow_callback_threshold;
  if (options.on_exception) reactor_options.on_exception = options.on_exception;
  absl::StatusOr<std::unique_ptr<Reactor>> reactor =
      Reactor::create(std::move(reactor_options));
  if (!reactor.ok()) {
    ready.set_value(reactor.status());
    return;
  }
  ready.set_value(reactor->get());  // `options` is not read after this
  run_reactor_thread(**reactor);
}  // the reactor is destroyed here, on its own thread

void Runtime::run_reactor_thread(Reactor& reactor) {
  reactor.run();
  std::unique_lock lock(lifecycle_mutex_);
  ++runs_returned_;
  lifecycle_changed_.notify_all();
  lifecycle_changed_.wait(lock, [this] { return teardown_; });
  lock.unlock();
  finish_work(reactor);
  lock.lock();
  ++work_finished_;
  lifecycle_changed_.notify_all();
  lifecycle_changed_.wait(lock,
                          [this] { return work_finished_ == threads_.size(); });
  // The caller destroys the reactor, on this thread, after this returns.
}

// Shutdown's first phase, while every reactor still exists: suspended tasks
// are destroyed (a coroutine handler before its actor), then the actors stop —
// on_stop runs, queued asks fail. What they post to a sibling lands in a live
// queue and is dropped with it in the second phase, which posts nothing but
// the hand-overs of actor cells whose last reference went with something
// dropped — a callback, or another cell and its spawn arguments
// (reactor/internal/reclaimer.h: against a sibling being destroyed meanwhile,
// its reclaimer's lock decides between posting and freeing at once). Cells
// handed over in either phase to reactors that will not run again are freed
// as those reactors are destroyed: first thing if handed over on their own
// thread, as they drop their queues otherwise.
void Runtime::finish_work(Reactor& reactor) {
  internal::ReactorInternals::root_tasks(reactor).destroy_all();
  internal::terminate_live_actors();
}

void Runtime::wait() {
  GALE_CHECK(
      !on_own_thread(),
      "Runtime::wait (or ~Runtime) called on one of its reactor threads");
  std::unique_lock lock(lifecycle_mutex_);
  if (joined_) return;
  lifecycle_changed_.wait(lock,
                          [this] { return runs_returned_ == threads_.size(); });
  tearing_down_.store(true, std::memory_order_seq_cst);
  while (stops_in_flight_.load(std::memory_order_seq_cst) > 0)
    std::this_thread::yield();
  teardown_ = true;
  lifecycle_changed_.notify_all();
  lock.unlock();
  for (const std::unique_ptr<ReactorThread>& slot : threads_)
    slot->thread.join();
  lock.lock();
  joined_ = true;
}

Reactor& Runtime::next_reactor() {
  return reactor(next_.fetch_add(1, std::memory_order_relaxed) %
                 threads_.size());
}

bool Runtime::on_own_thread() const {
  const std::thread::id self = std::this_thread::get_id();
  for (const std::unique_ptr<ReactorThread>& slot : threads_) {
    if (slot->thread.get_id() == self) return true;
  }
  return false;
}

}  // namespace gale
