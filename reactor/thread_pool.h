// ThreadPool: a fixed set of worker threads that run blocking or CPU-heavy
// jobs off the reactors, the executor under `co_await offload(fn)`. Jobs wait
// in one bounded FIFO queue; each idle worker takes the oldest. A full queue
// makes submit() fail fast instead of blocking the caller, so a reactor thread
// may submit without ever stalling (it then decides: retry, shed, run inline).
//
//   auto pool = gale::ThreadPool::create({.threads = 4}).value();
//   std::promise<int> answer;
//   absl::Status submitted = pool->submit([&] { answer.set_value(6 * 7); });
//   if (submitted.ok()) std::printf("%d\n", answer.get_future().get());
//   pool->shutdown();  // or let ~ThreadPool do it
//
// Thread-safety notes: every method is thread-safe, and none is tied to a
// reactor. shutdown() (and so ~ThreadPool) must not be called from one of this
// pool's own threads, which could never join themselves: that aborts with a
// message. Do not destroy the pool while another thread may still call it.
//
// Where a job is destroyed, exactly once: on the worker that ran it, right
// after it returns (or throws); inside submit() if submit rejects it; on the
// thread calling shutdown() if kDropQueued drops it unrun. A job that owns a
// promise therefore breaks it if, and only if, the job never ran.
//
// Memory ordering: everything the submitting thread wrote before submit() is
// visible to the job when it runs (the queue's mutex gives release/acquire).
// Everything a job did is visible to whoever shutdown() returns to (the
// workers are joined).
//
// Errors: submit() returns ResourceExhausted when the queue is full and
// FailedPrecondition once shutdown has begun. A job that throws is caught at
// the job boundary and logged to stderr as one line; its worker goes on.
#ifndef GALE_REACTOR_THREAD_POOL_H_
#define GALE_REACTOR_THREAD_POOL_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "reactor/callback.h"

namespace gale {

// What shutdown() does with jobs still waiting in the queue.
enum class ShutdownMode {
  kFinishQueued,  // the workers run every queued job, then exit
  kDropQueued,    // queued jobs are destroyed unrun; running ones finish
};

struct ThreadPoolOptions {
  // Worker threads; 0 means std::thread::hardware_concurrency(), at least 1.
  size_t threads = 0;
  // Jobs waiting (not running) beyond which submit() fails with
  // ResourceExhausted. Must be at least 1.
  size_t max_queued = 65536;
  ShutdownMode on_shutdown = ShutdownMode::kFinishQueued;
  // Thread names are "<name>-<index>", the name truncated so that the whole
  // fits Linux's 15 characters ("gale-pool-0", "gale-pool-11").
  std::string name = "gale-pool";
};

class ThreadPool {
 public:
  // Starts the workers. InvalidArgument if max_queued is 0; if a thread cannot
  // be created, joins the ones already started and returns the error
  // (ResourceExhausted or Unavailable, from std::system_error).
  static absl::StatusOr<std::unique_ptr<ThreadPool>> create(
      ThreadPoolOptions options = {});

  // Calls shutdown(). Not from one of this pool's threads.
  ~ThreadPool();

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues `job` to run once on a worker. ResourceExhausted if max_queued jobs
  // already wait, FailedPrecondition once shutdown has begun, InvalidArgument
  // if `job` is empty; in each case `job` is destroyed unrun before submit()
  // returns. Does not allocate once the queue has grown to its working size
  // (it doubles, never shrinks). Thread-safe.
  absl::Status submit(Callback job);

  // Stops accepting jobs, then finishes or destroys the queued ones (per
  // options.on_shutdown), lets the running ones finish and joins the workers.
  // Idempotent: a concurrent or later call returns once the workers are
  // joined. Hangs only if a running job never returns. Aborts if called from
  // one of this pool's threads. Thread-safe.
  void shutdown();

  // The number of worker threads. Thread-safe.
  size_t threads() const { return thread_count_; }

  // Jobs waiting to run, not counting running ones; a snapshot that may be
  // stale by the time it returns. Thread-safe.
  size_t queued() const { return queued_.load(std::memory_order_relaxed); }

 private:
  // The ring starts this small and doubles on demand up to max_queued.
  static constexpr size_t kInitialCapacity = 256;

  explicit ThreadPool(ThreadPoolOptions options);

  absl::Status start_threads();
  void worker_loop(size_t index);
  // Blocks until a job is queued; returns an empty Callback once the worker
  // should exit (shutdown began and the queue is empty).
  Callback next_job();
  static void run_job(Callback& job);

  // The ring buffer, under mutex_.
  absl::Status push_locked(Callback& job);
  Callback pop_locked();
  void grow_locked();
  Callback* slot_locked(size_t position) {
    return &ring_[(head_ + position) & (capacity_ - 1)];
  }

  const ThreadPoolOptions options_;
  const size_t thread_count_;

  // Why a mutex, a condition variable and a ring rather than moodycamel's
  // BlockingConcurrentQueue: offload jobs block for microseconds to seconds,
  // so a lock taken twice per job is noise, while the contract needs exact
  // answers a lock-free queue makes hard: a bound that never lets more than
  // max_queued jobs wait, a shutdown that atomically stops accepting and takes
  // every queued job (nothing can slip in after), and drop-on-shutdown that
  // destroys each job exactly once. A power-of-two ring of Callbacks reuses its
  // slots, so the submit path does not allocate in steady state, which a
  // std::deque (one block per 12 jobs, freed and reallocated) would.
  mutable std::mutex mutex_;
  std::condition_variable work_ready_;
  size_t capacity_ = 0;               // a power of two
  std::unique_ptr<Callback[]> ring_;  // capacity_ slots
  size_t head_ = 0;                   // the oldest queued job
  size_t size_ = 0;                   // queued jobs
  size_t idle_ = 0;                   // workers waiting on work_ready_
  bool accepting_ = true;

  // Mirrors size_ for queued(), written under mutex_.
  std::atomic<size_t> queued_{0};

  // Held while joining, so that a concurrent shutdown() returns only once the
  // workers are gone. Never taken with mutex_ held.
  std::mutex join_mutex_;
  std::vector<std::thread> workers_;  // under join_mutex_
};

}  // namespace gale

#endif  // GALE_REACTOR_THREAD_POOL_H_
