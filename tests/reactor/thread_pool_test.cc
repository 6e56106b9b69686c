// ThreadPool: every job runs once on a pool thread, the queue bound, both
// shutdown modes, exceptions, and the self-join check. Workers are held by
// jobs that wait on a latch or future the test releases; nothing sleeps.
#include "reactor/thread_pool.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <future>
#include <latch>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench/common/alloc_counter.h"

namespace gale {
namespace {

// How often a job ran and how often it was destroyed (moved-from shells do
// not count), and optionally a latch counted down on destruction.
struct Counters {
  std::atomic<int> runs{0};
  std::atomic<int> destroyed{0};
  std::latch* on_destroy = nullptr;
};

class TrackedJob {
 public:
  explicit TrackedJob(Counters* counters) : counters_(counters) {}
  TrackedJob(TrackedJob&& other) noexcept
      : counters_(std::exchange(other.counters_, nullptr)) {}
  ~TrackedJob() {
    if (counters_ == nullptr) return;
    counters_->destroyed.fetch_add(1);
    if (counters_->on_destroy != nullptr) counters_->on_destroy->count_down();
  }
  void operator()() { counters_->runs.fetch_add(1); }

 private:
  Counters* counters_;
};

std::unique_ptr<ThreadPool> make_pool(ThreadPoolOptions options) {
  absl::StatusOr<std::unique_ptr<ThreadPool>> pool =
      ThreadPool::create(std::move(options));
  EXPECT_TRUE(pool.ok()) << pool.status();
  return std::move(pool).value();
}

std::string this_thread_name() {
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof(name));
  return name;
}

// Occupies every worker of `pool` until `release` is set; returns once all of
// them are inside a blocker, so that later jobs stay queued.
class WorkerGate {
 public:
  explicit WorkerGate(ThreadPool& pool)
      : started_(static_cast<std::ptrdiff_t>(pool.threads())) {
    const std::shared_future<void> released = release_.get_future().share();
    for (size_t i = 0; i < pool.threads(); ++i) {
      EXPECT_TRUE(pool.submit([this, released] {
                        started_.count_down();
                        released.wait();
                        finished_.fetch_add(1);
                      })
                      .ok());
    }
    started_.wait();
  }
  void release() { release_.set_value(); }
  int finished() const { return finished_.load(); }

 private:
  std::latch started_;
  std::promise<void> release_;
  std::atomic<int> finished_{0};
};

TEST(ThreadPoolTest, HeaderExampleCompilesAndRuns) {
  auto pool = gale::ThreadPool::create({.threads = 4}).value();
  std::promise<int> answer;
  absl::Status submitted = pool->submit([&] { answer.set_value(6 * 7); });
  if (submitted.ok()) std::printf("%d\n", answer.get_future().get());
  pool->shutdown();  // or let ~ThreadPool do it
  EXPECT_TRUE(submitted.ok());
}

TEST(ThreadPoolTest, ThreadsReportsTheSize) {
  EXPECT_EQ(make_pool({.threads = 3})->threads(), 3u);
  const size_t expected = std::max(1u, std::thread::hardware_concurrency());
  EXPECT_EQ(make_pool({})->threads(), expected);
}

TEST(ThreadPoolTest, ZeroMaxQueuedIsInvalid) {
  EXPECT_EQ(ThreadPool::create({.max_queued = 0}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ThreadPoolTest, EmptyJobIsRejected) {
  auto pool = make_pool({.threads = 1});
  EXPECT_EQ(pool->submit(nullptr).code(), absl::StatusCode::kInvalidArgument);
}

// 4 submitters × 10,000 jobs on 4 workers: each job runs exactly once, and is
// destroyed exactly once.
TEST(ThreadPoolTest, JobsFromFourSubmittersAllRunExactlyOnce) {
  constexpr int kSubmitters = 4;
  constexpr int kPerSubmitter = 10'000;
  auto pool = make_pool({.threads = 4});
  std::vector<std::atomic<int>> runs(size_t{kSubmitters} * kPerSubmitter);
  Counters counters;
  std::vector<std::thread> submitters;
  for (int s = 0; s < kSubmitters; ++s) {
    submitters.emplace_back([&, s] {
      for (int i = 0; i < kPerSubmitter; ++i) {
        const int id = s * kPerSubmitter + i;
        ASSERT_TRUE(pool->submit([&runs, id, job = TrackedJob(&counters)]() {
                          runs[id].fetch_add(1);
                        })
                        .ok());
      }
    });
  }
  for (std::thread& submitter : submitters) submitter.join();
  pool->shutdown();
  for (size_t id = 0; id < runs.size(); ++id) ASSERT_EQ(runs[id].load(), 1);
  EXPECT_EQ(counters.destroyed.load(), kSubmitters * kPerSubmitter);
  EXPECT_EQ(pool->queued(), 0u);
}

// Each job runs on a worker, never on the submitter; workers are named
// "<name>-<index>".
TEST(ThreadPoolTest, JobsRunOnPoolThreadsNamedAfterThePool) {
  auto pool = make_pool({.threads = 2, .name = "offload"});
  std::latch both_running(2);
  std::mutex mutex;
  std::set<std::thread::id> ids;
  std::set<std::string> names;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(pool->submit([&] {
                      {
                        std::lock_guard lock(mutex);
                        ids.insert(std::this_thread::get_id());
                        names.insert(this_thread_name());
                      }
                      both_running.arrive_and_wait();  // one job per worker
                    })
                    .ok());
  }
  pool->shutdown();
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids.count(std::this_thread::get_id()), 0u);
  EXPECT_EQ(names, (std::set<std::string>{"offload-0", "offload-1"}));
}

TEST(ThreadPoolTest, LongNameIsTruncatedToFifteenCharactersKeepingTheIndex) {
  auto pool = make_pool({.threads = 1, .name = "a-very-long-pool-name"});
  std::promise<std::string> name;
  ASSERT_TRUE(pool->submit([&] { name.set_value(this_thread_name()); }).ok());
  EXPECT_EQ(name.get_future().get(), "a-very-long-p-0");
}

// With the workers busy, max_queued jobs wait; the next is refused with
// ResourceExhausted and destroyed unrun before submit() returns.
TEST(ThreadPoolTest, FullQueueRejectsWithResourceExhaustedAndDestroysTheJob) {
  auto pool = make_pool({.threads = 2, .max_queued = 3});
  WorkerGate gate(*pool);
  Counters queued;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(pool->submit(TrackedJob(&queued)).ok());
  }
  EXPECT_EQ(pool->queued(), 3u);
  Counters rejected;
  EXPECT_EQ(pool->submit(TrackedJob(&rejected)).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(rejected.runs.load(), 0);
  EXPECT_EQ(rejected.destroyed.load(), 1);
  gate.release();
  pool->shutdown();
  EXPECT_EQ(queued.runs.load(), 3);
  EXPECT_EQ(queued.destroyed.load(), 3);
  EXPECT_EQ(rejected.destroyed.load(), 1);
}

// Shutdown begins while every worker is busy and 1,000 jobs wait (plus the
// probes that raced it): every job accepted before it runs.
TEST(ThreadPoolTest, ShutdownFinishQueuedRunsEveryQueuedJob) {
  constexpr int kJobs = 1'000;
  auto pool = make_pool({.threads = 2, .max_queued = size_t{2} * kJobs});
  WorkerGate gate(*pool);
  Counters jobs;
  for (int i = 0; i < kJobs; ++i) {
    ASSERT_TRUE(pool->submit(TrackedJob(&jobs)).ok());
  }
  std::thread stopper([&] { pool->shutdown(); });
  // Probe until shutdown has begun; accepted probes must run too.
  Counters probes;
  int accepted_probes = 0;
  for (;;) {
    const absl::Status status = pool->submit(TrackedJob(&probes));
    if (status.code() == absl::StatusCode::kFailedPrecondition) break;
    if (status.ok()) ++accepted_probes;
  }
  gate.release();
  stopper.join();
  EXPECT_EQ(gate.finished(), 2);
  EXPECT_EQ(jobs.runs.load(), kJobs);
  EXPECT_EQ(jobs.destroyed.load(), kJobs);
  EXPECT_EQ(probes.runs.load(), accepted_probes);
  EXPECT_EQ(pool->queued(), 0u);
}

// kDropQueued destroys each queued job unrun exactly once while the running
// jobs are still blocked, then waits for those to finish.
TEST(ThreadPoolTest, ShutdownDropQueuedDestroysQueuedJobsUnrunOnce) {
  constexpr int kJobs = 100;
  auto pool =
      make_pool({.threads = 2, .on_shutdown = ShutdownMode::kDropQueued});
  WorkerGate gate(*pool);
  std::latch all_dropped(kJobs);
  Counters jobs{.on_destroy = &all_dropped};
  for (int i = 0; i < kJobs; ++i) {
    ASSERT_TRUE(pool->submit(TrackedJob(&jobs)).ok());
  }
  std::thread stopper([&] { pool->shutdown(); });
  all_dropped.wait();  // dropped while both workers are still blocked
  EXPECT_EQ(gate.finished(), 0);
  EXPECT_EQ(pool->queued(), 0u);
  gate.release();
  stopper.join();  // returns only after the running jobs finished
  EXPECT_EQ(gate.finished(), 2);
  EXPECT_EQ(jobs.runs.load(), 0);
  EXPECT_EQ(jobs.destroyed.load(), kJobs);
}

// A dropped job's destructor runs on the thread calling shutdown(), outside
// the pool's lock: calling back into the pool (submit, even shutdown) neither
// deadlocks nor gets a job in.
TEST(ThreadPoolTest, DroppedJobDestructorMayCallBackIntoThePool) {
  auto pool =
      make_pool({.threads = 1, .on_shutdown = ShutdownMode::kDropQueued});
  WorkerGate gate(*pool);
  std::latch dropped(1);
  absl::StatusCode seen = absl::StatusCode::kOk;
  struct CallsBack {
    ThreadPool* pool;
    absl::StatusCode* seen;
    std::latch* dropped;
    CallsBack(ThreadPool* pool, absl::StatusCode* seen, std::latch* dropped)
        : pool(pool), seen(seen), dropped(dropped) {}
    CallsBack(CallsBack&& other) noexcept
        : pool(std::exchange(other.pool, nullptr)),
          seen(other.seen),
          dropped(other.dropped) {}
    ~CallsBack() {
      if (pool == nullptr) return;
      *seen = pool->submit([] {}).code();
      dropped->count_down();
      pool->shutdown();  // re-entrant: nothing left to drop; joins
    }
    void operator()() {}
  };
  ASSERT_TRUE(pool->submit(CallsBack(pool.get(), &seen, &dropped)).ok());
  std::thread stopper([&] { pool->shutdown(); });
  dropped.wait();  // the worker is still blocked, so the job was dropped
  gate.release();
  stopper.join();
  EXPECT_EQ(seen, absl::StatusCode::kFailedPrecondition);
}

TEST(ThreadPoolTest, SubmitAfterShutdownFailsAndDestroysTheJobUnrun) {
  auto pool = make_pool({.threads = 2});
  pool->shutdown();
  Counters late;
  EXPECT_EQ(pool->submit(TrackedJob(&late)).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(late.runs.load(), 0);
  EXPECT_EQ(late.destroyed.load(), 1);
}

// One worker: after two throwing jobs it still runs the next one, and each
// exception is reported as one line.
TEST(ThreadPoolTest, ThrowingJobDoesNotKillItsWorker) {
  auto pool = make_pool({.threads = 1});
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(pool->submit([] { throw std::runtime_error("boom"); }).ok());
  ASSERT_TRUE(pool->submit([] { throw 42; }).ok());
  std::promise<std::thread::id> later;
  ASSERT_TRUE(
      pool->submit([&] { later.set_value(std::this_thread::get_id()); }).ok());
  const std::thread::id worker = later.get_future().get();
  pool->shutdown();
  const std::string logged = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(worker, std::this_thread::get_id());
  EXPECT_NE(logged.find("gale: offload job threw: boom\n"), std::string::npos)
      << logged;
  EXPECT_NE(logged.find("gale: offload job threw: unknown exception\n"),
            std::string::npos)
      << logged;
}

// Repeated and concurrent shutdown() calls: each returns only once the workers
// are joined (the running job has finished), and ~ThreadPool after them is a
// no-op.
TEST(ThreadPoolTest, ShutdownIsIdempotentAndConcurrentCallsWaitForTheJoin) {
  auto pool = make_pool({.threads = 1});
  WorkerGate gate(*pool);
  std::latch both_calling(3);
  std::atomic<int> saw_finished{0};
  std::vector<std::thread> stoppers;
  for (int i = 0; i < 2; ++i) {
    stoppers.emplace_back([&] {
      both_calling.arrive_and_wait();
      pool->shutdown();
      if (gate.finished() == 1) saw_finished.fetch_add(1);
    });
  }
  both_calling.arrive_and_wait();
  // Release the worker only once shutdown has begun; accepted probes run.
  while (pool->submit([] {}).code() != absl::StatusCode::kFailedPrecondition) {
  }
  gate.release();
  for (std::thread& stopper : stoppers) stopper.join();
  EXPECT_EQ(saw_finished.load(), 2);
  pool->shutdown();
  pool->shutdown();
  pool.reset();  // the destructor's shutdown() finds nothing to do
}

// One worker takes jobs oldest first: through the ring's growth (1,000 queued
// behind a blocked worker) and its wrap-around (10,000 more while it runs).
TEST(ThreadPoolTest, SingleThreadPoolRunsJobsInFifoOrder) {
  constexpr int kQueued = 1'000;
  constexpr int kStreamed = 10'000;
  auto pool = make_pool({.threads = 1});
  std::vector<int> order;  // touched by the worker only until shutdown
  order.reserve(kQueued + kStreamed);
  WorkerGate gate(*pool);
  for (int i = 0; i < kQueued; ++i) {
    ASSERT_TRUE(pool->submit([&order, i] { order.push_back(i); }).ok());
  }
  gate.release();
  for (int i = kQueued; i < kQueued + kStreamed; ++i) {
    ASSERT_TRUE(pool->submit([&order, i] { order.push_back(i); }).ok());
  }
  pool->shutdown();
  ASSERT_EQ(order.size(), static_cast<size_t>(kQueued + kStreamed));
  for (int i = 0; i < kQueued + kStreamed; ++i) ASSERT_EQ(order[i], i);
}

TEST(ThreadPoolTest, ShutdownFromAPoolThreadAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        auto pool = make_pool({.threads = 1});
        (void)pool->submit([&pool] { pool->shutdown(); });
        pool->shutdown();  // joins the worker, which aborts first
      },
      "called from one of the pool's own threads");
}

// Once the ring has grown to the working size, submitting and running jobs
// allocates nothing (counted process-wide, so the worker's side too).
// Skipped under sanitizers, which own malloc.
TEST(ThreadPoolTest, SubmitDoesNotAllocateInSteadyState) {
  if (!bench::allocation_counting_works()) {
    GTEST_SKIP() << "allocations are not counted under sanitizers";
  }
  constexpr int kJobs = 1'000;
  auto pool = make_pool({.threads = 1});
  // Each round queues kJobs behind a blocked worker, so both rounds reach the
  // same peak and only the first grows the ring.
  auto round = [&pool] {
    std::latch release(1);
    std::latch done(kJobs);
    ASSERT_TRUE(pool->submit([&release] { release.wait(); }).ok());
    for (int i = 0; i < kJobs; ++i) {
      ASSERT_TRUE(pool->submit([&done] { done.count_down(); }).ok());
    }
    release.count_down();
    done.wait();
  };
  round();
  const uint64_t before = bench::allocations();
  round();
  EXPECT_EQ(bench::allocations() - before, 0u);
}

}  // namespace
}  // namespace gale
