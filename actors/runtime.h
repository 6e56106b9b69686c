// Runtime: the N reactors of a process, one per thread, plus the offload pool
// they share — what a backend starts once in main() and stops on SIGTERM.
// Reactors are numbered 0..size()-1; each runs on its own thread (optionally
// pinned to a CPU) from start() until stop().
//
//   gale::RuntimeOptions options;
//   options.reactors = 2;
//   auto runtime = gale::Runtime::start(options).value();
//   gale::spawn(runtime->reactor(0), serve(runtime->reactor(0)));
//   gale::spawn(runtime->next_reactor(), other_work());  // round robin
//   ...
//   runtime->stop();  // from any thread, or a signal handler
//   runtime->wait();  // joins the reactor threads
//
// A reactor posting to a sibling enqueues through a producer lane of its own in
// the sibling's queue (see Reactor::post); other threads post as usual.
//
// Each reactor is created, run and destroyed on its own thread. Shutdown goes
// in two phases: while every reactor still exists, each destroys its suspended
// tasks (see reactor/spawn.h) and stops its actors (on_stop runs, queued asks
// fail); then each reactor is destroyed, dropping callbacks still queued
// unrun, which breaks their promises: an ask in flight completes with an error
// rather than hanging.
//
// Thread-safety notes: stop(), size(), reactor(), next_reactor() and
// offload_pool() are thread-safe. wait() and ~Runtime must not run on one of
// the runtime's own reactor threads (they would join themselves): that aborts.
#ifndef GALE_ACTORS_RUNTIME_H_
#define GALE_ACTORS_RUNTIME_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "reactor/clock.h"
#include "reactor/reactor.h"
#include "reactor/thread_pool.h"

namespace gale {

struct RuntimeOptions {
  // Reactor threads; 0: one per core (std::thread::hardware_concurrency()).
  size_t reactors = 0;
  // Pin reactor i to CPU i (modulo the CPUs this process may use).
  bool pin_threads = false;
  // Offload pool threads; 0: one per core.
  size_t offload_threads = 0;
  // Offload jobs that may wait before submissions fail with ResourceExhausted.
  size_t offload_max_queued = 65536;
  // Applied to every reactor (see ReactorOptions).
  SelectorBackend backend = SelectorBackend::kEpoll;
  Duration idle_poll = std::chrono::microseconds(20);
  Duration slow_callback_threshold = Duration::zero();
  // Every reactor's exception handler (ReactorOptions::on_exception): called
  // on the thread of the reactor where the failure happened, so it must be
  // thread-safe. Empty: the default, a log line.
  std::function<void(const CallbackFailure&)> on_exception;
};

class Runtime {
 public:
  // Starts the offload pool and the reactor threads, and returns once every
  // reactor runs. Fails (having stopped what it started) if a reactor, a
  // thread or the pinning cannot be set up.
  static absl::StatusOr<std::unique_ptr<Runtime>> start(
      const RuntimeOptions& options = {});

  // Stops, then joins. Not on a reactor thread of this runtime.
  ~Runtime();

  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Asks every reactor to stop after its current iteration. Idempotent.
  // Thread-safe and async-signal-safe (an atomic store and at most one write(2)
  // per reactor), so a SIGTERM handler may call it.
  void stop();

  // Blocks until every reactor thread has stopped and destroyed its reactor.
  // Idempotent. Not on a reactor thread of this runtime.
  void wait();

  // Thread-safe.
  size_t size() const { return threads_.size(); }

  // Reactor `index` (0..size()-1). Valid until wait() returns. Thread-safe.
  Reactor& reactor(size_t index) const { return *threads_[index]->reactor; }

  // The reactors in turn, for round-robin placement. Thread-safe.
  Reactor& next_reactor();

  // Thread-safe.
  ThreadPool& offload_pool() const { return *pool_; }

 private:
  struct ReactorThread {
    std::thread thread;
    Reactor* reactor =
        nullptr;  // owned by `thread`, published before start returns
  };

  explicit Runtime(std::unique_ptr<ThreadPool> pool) : pool_(std::move(pool)) {}
  absl::Status launch(const RuntimeOptions& options);
  void connect_lanes();
  void thread_main(const RuntimeOptions& options, size_t index,
                   std::promise<absl::StatusOr<Reactor*>> ready);
  void run_reactor_thread(Reactor& reactor);
  void finish_work(Reactor& reactor);
  bool on_own_thread() const;

  std::unique_ptr<ThreadPool> pool_;
  std::vector<std::unique_ptr<ReactorThread>> threads_;
  std::atomic<size_t> next_{0};

  // A reactor outlives its run(): it is destroyed (on its thread) only once
  // wait() has seen every run() return and no stop() is still touching it.
  std::atomic<int> stops_in_flight_{0};
  std::atomic<bool> tearing_down_{false};
  std::mutex lifecycle_mutex_;
  std::condition_variable lifecycle_changed_;
  size_t runs_returned_ = 0;  // guarded by lifecycle_mutex_
  size_t work_finished_ = 0;  // guarded by lifecycle_mutex_
  bool teardown_ = false;     // guarded by lifecycle_mutex_
  bool joined_ = false;       // guarded by lifecycle_mutex_
};

}  // namespace gale

#endif  // GALE_ACTORS_RUNTIME_H_
