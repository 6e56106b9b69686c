// fjcreation (spawn, one message, stop: the cost of an actor's whole life) and
// idlemem (resident memory per idle actor). Both spawn from main, so the
// default rule places the actors round robin over every reactor.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "actors/actor.h"
#include "actors/spawn.h"
#include "bench/actors/workloads.h"
#include "bench/common/alloc_counter.h"
#include "bench/common/bench_util.h"

namespace gale::bench {
namespace {

// How long main waits for the actors before it declares the run failed.
constexpr auto kPatience = std::chrono::minutes(2);

// ---- fjcreation -------------------------------------------------------------

struct Go {
  double x;
};

// What the fork-join actors count; outlives the runtime.
struct ForkJoinCounts {
  explicit ForkJoinCounts(uint64_t n) : n(n) {}
  const uint64_t n;
  std::atomic<uint64_t> finished{0};  // handled Go
  std::atomic<uint64_t> built{0};
  std::atomic<uint64_t> destroyed{0};
  std::promise<void> all_destroyed;  // set by the n-th destructor
};

class ForkJoinActor : public Actor {
 public:
  explicit ForkJoinActor(ForkJoinCounts* counts) : counts_(counts) {
    counts_->built.fetch_add(1, std::memory_order_relaxed);
  }
  ~ForkJoinActor() override {
    if (counts_->destroyed.fetch_add(1, std::memory_order_acq_rel) + 1 ==
        counts_->n) {
      counts_->all_destroyed.set_value();
    }
  }
  void handle(Go go) {
    const double s = std::sin(go.x);
    if (!(s * s > 0)) std::abort();
    counts_->finished.fetch_add(1, std::memory_order_relaxed);
    stop();
  }

 private:
  ForkJoinCounts* counts_;
};

// ---- idlemem ----------------------------------------------------------------

struct Wake {};

struct IdleCounts {
  std::atomic<uint64_t> started{0};
  std::atomic<uint64_t> stopped{0};
};

// Waits for a Wake that never comes; stopped by ActorRef::stop.
class IdleActor : public Actor {
 public:
  explicit IdleActor(IdleCounts* counts) : counts_(counts) {}
  void on_start() override {
    counts_->started.fetch_add(1, std::memory_order_relaxed);
  }
  void on_stop() override {
    counts_->stopped.fetch_add(1, std::memory_order_relaxed);
  }
  void handle(Wake) {}

 private:
  IdleCounts* counts_;
};

size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0;
  size_t resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

// Polls `count` until it reaches `n` or kPatience passes; true if it did.
bool wait_for_count(const std::atomic<uint64_t>& count, uint64_t n) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (count.load(std::memory_order_acquire) < n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace

bool fjcreation(const WorkloadConfig& config) {
  const uint64_t n = config.scaled(500'000);
  ForkJoinCounts counts(n);  // outlives the runtime
  std::future<void> all_destroyed = counts.all_destroyed.get_future();
  std::unique_ptr<Runtime> runtime = start_runtime(config);

  const uint64_t allocs_before = allocations();
  const auto clock = Stopwatch::start();
  for (uint64_t i = 0; i < n; ++i) {
    spawn<ForkJoinActor>(*runtime, &counts).tell(Go{37.2});
  }
  const bool in_time =
      all_destroyed.wait_for(kPatience) == std::future_status::ready;
  const double seconds = clock.seconds();
  const uint64_t allocs = allocations() - allocs_before;

  stop_runtime(*runtime);
  const uint64_t finished = counts.finished.load();
  const uint64_t left = counts.built.load() - counts.destroyed.load();
  const bool ok = in_time && finished == n && left == 0;
  if (!ok) {
    explain_failure("fjcreation", "finished=" + std::to_string(finished) +
                                      " left=" + std::to_string(left));
  }
  report_rate("fjcreation", config, param("n", n), "actors", n, seconds, allocs,
              ok);
  return ok;
}

bool idlemem(const WorkloadConfig& config) {
  const uint64_t n = config.scaled(1'000'000);
  IdleCounts counts;  // outlives the runtime
  std::unique_ptr<Runtime> runtime = start_runtime(config);
  // The array of references, allocated and touched first (not counted).
  std::vector<ActorRef<IdleActor>> actors(n);

  const size_t before = resident_bytes();
  const uint64_t allocs_before = allocations();
  for (uint64_t i = 0; i < n; ++i) {
    actors[i] = spawn<IdleActor>(*runtime, &counts);
  }
  const bool all_started = wait_for_count(counts.started, n);
  const uint64_t allocs = allocations() - allocs_before;
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const size_t after = resident_bytes();
  const double per_actor =
      (static_cast<double>(after) - static_cast<double>(before)) /
      static_cast<double>(n);

  for (const ActorRef<IdleActor>& actor : actors) actor.stop();
  const bool all_stopped = wait_for_count(counts.stopped, n);
  actors.clear();
  stop_runtime(*runtime);
  const uint64_t started = counts.started.load();
  const uint64_t stopped = counts.stopped.load();
  const bool ok = all_started && all_stopped && started == n && stopped == n;
  if (!ok) {
    explain_failure("idlemem", "started=" + std::to_string(started) +
                                   " stopped=" + std::to_string(stopped));
  }
  std::printf(
      "gale idlemem reactors=%zu n=%llu bytes_per_actor=%.0f "
      "allocs_per_actor=%s check=%s\n",
      config.reactors, static_cast<unsigned long long>(n), per_actor,
      per_item(allocs, n).c_str(), ok ? "ok" : "FAIL");
  std::fflush(stdout);
  return ok;
}

}  // namespace gale::bench
