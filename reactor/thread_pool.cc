#include "reactor/thread_pool.h"

#include <pthread.h>

#include <algorithm>
#include <bit>
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <system_error>
#include <utility>

#include "reactor/check.h"

namespace gale {
namespace {

// The pool whose worker runs on this thread, for shutdown()'s self-join check.
thread_local const ThreadPool* t_current_pool = nullptr;

// Linux keeps 15 characters of a thread name; the index always survives.
void name_this_thread(const std::string& name, size_t index) {
  constexpr size_t kMaxName = 15;
  const std::string suffix = "-" + std::to_string(index);
  const size_t keep = suffix.size() < kMaxName ? kMaxName - suffix.size() : 0;
  const std::string full = name.substr(0, keep) + suffix;
  // Cosmetic: a name that does not fit or a failure is not worth an error.
  (void)pthread_setname_np(pthread_self(), full.substr(0, kMaxName).c_str());
}

}  // namespace

absl::StatusOr<std::unique_ptr<ThreadPool>> ThreadPool::create(
    ThreadPoolOptions options) {
  if (options.max_queued == 0) {
    return absl::InvalidArgumentError("ThreadPool: max_queued must be >= 1");
  }
  std::unique_ptr<ThreadPool> pool(new ThreadPool(std::move(options)));
  absl::Status started = pool->start_threads();
  if (!started.ok()) return started;  // ~ThreadPool joins the started ones
  return pool;
}

ThreadPool::ThreadPool(ThreadPoolOptions options)
    : options_(std::move(options)),
      thread_count_(options_.threads != 0
                        ? options_.threads
                        : std::max(1u, std::thread::hardware_concurrency())),
      capacity_(std::bit_ceil(std::min(options_.max_queued, kInitialCapacity))),
      ring_(new Callback[capacity_]) {}

ThreadPool::~ThreadPool() { shutdown(); }

absl::Status ThreadPool::start_threads() {
  std::lock_guard join_lock(join_mutex_);
  workers_.reserve(thread_count_);
  for (size_t i = 0; i < thread_count_; ++i) {
    try {
      workers_.emplace_back([this, i] { worker_loop(i); });
    } catch (const std::system_error& e) {
      return absl::ErrnoToStatus(e.code().value(),
                                 "ThreadPool: cannot create worker " +
                                     std::to_string(i) + " of " +
                                     std::to_string(thread_count_));
    }
  }
  return absl::OkStatus();
}

absl::Status ThreadPool::submit(Callback job) {
  if (!job) return absl::InvalidArgumentError("ThreadPool: empty job");
  absl::Status status;
  {
    std::lock_guard lock(mutex_);
    status = push_locked(job);
    // Notified under the lock: once the lock is released the job may run and
    // its owner may destroy the pool, condition variable included.
    if (status.ok() && idle_ > 0) work_ready_.notify_one();
  }
  // A rejected job is destroyed here, outside the lock: its destructor may
  // call back into the pool.
  job = nullptr;
  return status;
}

void ThreadPool::shutdown() {
  GALE_CHECK(t_current_pool != this,
             "ThreadPool::shutdown (or ~ThreadPool) called from one of the "
             "pool's own threads, which cannot join themselves");
  std::unique_ptr<Callback[]> dropped;
  size_t dropped_head = 0;
  size_t dropped_count = 0;
  size_t dropped_capacity = 0;
  {
    std::lock_guard lock(mutex_);
    accepting_ = false;
    if (options_.on_shutdown == ShutdownMode::kDropQueued && size_ > 0) {
      dropped = std::move(ring_);
      dropped_head = std::exchange(head_, 0);
      dropped_count = std::exchange(size_, 0);
      dropped_capacity = std::exchange(capacity_, 0);
      queued_.store(0, std::memory_order_relaxed);
    }
    work_ready_.notify_all();
  }
  // Dropped jobs are destroyed oldest first, outside the lock (a destructor
  // may call submit(), which now fails, or even shutdown(), which finds
  // nothing left to drop), while the running jobs go on.
  for (size_t i = 0; i < dropped_count; ++i) {
    dropped[(dropped_head + i) & (dropped_capacity - 1)] = nullptr;
  }
  std::lock_guard join_lock(join_mutex_);
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
}

void ThreadPool::worker_loop(size_t index) {
  t_current_pool = this;
  name_this_thread(options_.name, index);
  // The job is destroyed at the end of each iteration, before the next lock.
  while (Callback job = next_job()) run_job(job);
}

Callback ThreadPool::next_job() {
  std::unique_lock lock(mutex_);
  while (size_ == 0) {
    if (!accepting_) return nullptr;
    ++idle_;
    work_ready_.wait(lock);
    --idle_;
  }
  return pop_locked();
}

void ThreadPool::run_job(Callback& job) {
  try {
    job();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gale: offload job threw: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "gale: offload job threw: unknown exception\n");
  }
}

absl::Status ThreadPool::push_locked(Callback& job) {
  if (!accepting_) {
    return absl::FailedPreconditionError("ThreadPool: shut down");
  }
  if (size_ >= options_.max_queued) {
    return absl::ResourceExhaustedError("ThreadPool: " + std::to_string(size_) +
                                        " jobs already queued");
  }
  if (size_ == capacity_) {
    try {
      grow_locked();
    } catch (const std::bad_alloc&) {
      return absl::ResourceExhaustedError("ThreadPool: cannot grow the queue");
    }
  }
  *slot_locked(size_) = std::move(job);
  ++size_;
  queued_.store(size_, std::memory_order_relaxed);
  return absl::OkStatus();
}

Callback ThreadPool::pop_locked() {
  Callback job = std::move(*slot_locked(0));
  head_ = (head_ + 1) & (capacity_ - 1);
  --size_;
  queued_.store(size_, std::memory_order_relaxed);
  return job;
}

// Moves the queued jobs, oldest first, to the front of a ring twice the size.
void ThreadPool::grow_locked() {
  const size_t capacity = capacity_ * 2;
  std::unique_ptr<Callback[]> ring(new Callback[capacity]);
  for (size_t i = 0; i < size_; ++i) ring[i] = std::move(*slot_locked(i));
  ring_ = std::move(ring);
  capacity_ = capacity;
  head_ = 0;
}

}  // namespace gale
