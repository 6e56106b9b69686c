// pingpong, pingpong_cross, counting and threadring: one message in flight at
// a time (pingpong, threadring) or a burst into one mailbox (counting).
#include <cstdio>
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "actors/actor.h"
#include "actors/spawn.h"
#include "bench/actors/workloads.h"
#include "bench/common/alloc_counter.h"
#include "bench/common/bench_util.h"
#include "reactor/reactor_stats.h"
#include "reactor/task.h"

namespace gale::bench {
// One namespace per workload file, so the workloads' message types never clash.
namespace messaging_workloads {

// ---- pingpong ---------------------------------------------------------------
// Ping sends (ping, k) for k = 1..N, one at a time; pong answers (pong, k) to
// the ping it was wired to.

class Pinger;

struct PingMessage {
  uint64_t k;
};
struct PongMessage {
  uint64_t k;
};
struct ConnectPinger {
  ActorRef<Pinger> pinger;
};
struct Serve {};
struct PingsReceived {};
struct HomeStats {};  // the stats of the actor's reactor

class Ponger : public Actor {
 public:
  void handle(ConnectPinger connect) { pinger_ = std::move(connect.pinger); }
  void handle(PingMessage ping);
  uint64_t handle(PingsReceived) { return pings_; }
  ReactorStats handle(HomeStats) { return reactor().stats(); }

 private:
  ActorRef<Pinger> pinger_;
  uint64_t pings_ = 0;
};

struct PingResult {
  uint64_t pongs = 0;
  bool in_order = false;
};

class Pinger : public Actor {
 public:
  Pinger(ActorRef<Ponger> ponger, uint64_t n, std::promise<PingResult>* done)
      : ponger_(std::move(ponger)), n_(n), done_(done) {}
  void handle(Serve) { ponger_.tell(PingMessage{1}); }
  ReactorStats handle(HomeStats) { return reactor().stats(); }
  void handle(PongMessage pong) {
    ++pongs_;
    if (pong.k != pongs_) in_order_ = false;
    if (pong.k < n_) {
      ponger_.tell(PingMessage{pong.k + 1});
    } else {
      done_->set_value(PingResult{pongs_, in_order_});
    }
  }

 private:
  ActorRef<Ponger> ponger_;
  uint64_t n_;
  std::promise<PingResult>* done_;
  uint64_t pongs_ = 0;
  bool in_order_ = true;
};

void Ponger::handle(PingMessage ping) {
  ++pings_;
  pinger_.tell(PongMessage{ping.k});
}

struct SetUpPingPong {
  SpawnOptions ping_options;
  SpawnOptions pong_options;
  uint64_t n;
  std::promise<PingResult>* done;
};
struct PingPongPair {
  ActorRef<Pinger> pinger;
  ActorRef<Ponger> ponger;
};

// Spawns the pair and answers once pong knows ping (wired before the clock).
class PingPongDriver : public Actor {
 public:
  Task<PingPongPair> handle(SetUpPingPong setup) {
    ActorRef<Ponger> ponger = spawn<Ponger>(setup.pong_options);
    ActorRef<Pinger> pinger = spawn<Pinger>(
        setup.ping_options, ActorRef<Ponger>(ponger), setup.n, setup.done);
    ConnectPinger connect{ActorRef<Pinger>(pinger)};
    co_await ponger.ask(std::move(connect));  // see workloads.h
    co_return PingPongPair{std::move(pinger), std::move(ponger)};
  }
};

// The sleeps and wakeups of the pair's reactors (each counted once).
ReactorStats home_stats(const PingPongPair& pair, bool apart) {
  ReactorStats stats = pair.pinger.ask(HomeStats{}).get();
  if (apart) {
    const ReactorStats other = pair.ponger.ask(HomeStats{}).get();
    stats.sleeps += other.sleeps;
    stats.wakeups_written += other.wakeups_written;
  }
  return stats;
}

bool run_pingpong(const char* name, const WorkloadConfig& config, bool cross) {
  const uint64_t n = config.scaled(1'000'000);
  std::promise<PingResult> done;  // outlives the runtime
  std::future<PingResult> finished = done.get_future();
  std::unique_ptr<Runtime> runtime = start_runtime(config);
  SpawnOptions ping_options;
  SpawnOptions pong_options;
  if (cross) {
    ping_options = SpawnOptions::on(0);
    pong_options = SpawnOptions::on(1);
  }
  ActorRef<PingPongDriver> driver = spawn<PingPongDriver>(*runtime);
  PingPongPair pair =
      driver.ask(SetUpPingPong{ping_options, pong_options, n, &done}).get();
  const bool apart = &pair.pinger.reactor() != &pair.ponger.reactor();
  const ReactorStats before = home_stats(pair, apart);

  const uint64_t allocs_before = allocations();
  const auto clock = Stopwatch::start();
  pair.pinger.tell(Serve{});
  const PingResult result = finished.get();
  const double seconds = clock.seconds();
  const uint64_t allocs = allocations() - allocs_before;

  const ReactorStats after = home_stats(pair, apart);
  const uint64_t pings = pair.ponger.ask(PingsReceived{}).get();
  stop_runtime(*runtime);
  const bool ok =
      result.pongs == n && result.in_order && pings == n && apart == cross;
  if (!ok) {
    explain_failure(name, "pongs=" + std::to_string(result.pongs) +
                              " pings=" + std::to_string(pings) +
                              " in_order=" + std::to_string(result.in_order) +
                              " on_two_reactors=" + std::to_string(apart));
  }
  const double msgs = 2.0 * static_cast<double>(n);
  char sleeps[96];
  std::snprintf(
      sleeps, sizeof(sleeps), "sleeps_per_msg=%.3f wakeups_per_msg=%.3f",
      static_cast<double>(after.sleeps - before.sleeps) / msgs,
      static_cast<double>(after.wakeups_written - before.wakeups_written) /
          msgs);
  report_rate(name, config, param("n", n), "msgs", 2 * n, seconds, allocs, ok,
              sleeps);
  return ok;
}

// ---- counting ---------------------------------------------------------------
// A producer tells N increments to a counter in one handler, then asks it for
// the total.

struct Increment {};
struct GetTotal {};
struct Produce {
  uint64_t n;
};

class Counter : public Actor {
 public:
  void handle(Increment) { ++count_; }
  uint64_t handle(GetTotal) { return count_; }

 private:
  uint64_t count_ = 0;
};

class Producer : public Actor {
 public:
  explicit Producer(ActorRef<Counter> counter) : counter_(std::move(counter)) {}
  Task<uint64_t> handle(Produce produce) {
    for (uint64_t i = 0; i < produce.n; ++i) counter_.tell(Increment{});
    co_return co_await counter_.ask(GetTotal{}, kRunTimeout);
  }

 private:
  ActorRef<Counter> counter_;
};

struct SetUpCounting {};

class CountingDriver : public Actor {
 public:
  ActorRef<Producer> handle(SetUpCounting) {
    return spawn<Producer>(spawn<Counter>());
  }
};

// ---- threadring -------------------------------------------------------------
// A token of value T goes round a ring of R actors, value - 1 at each hop; the
// holder of value 1 reports.

class RingMember;

struct Token {
  uint64_t value;
};
struct ConnectNext {
  ActorRef<RingMember> next;
};
struct TokensReceived {};

class RingMember : public Actor {
 public:
  explicit RingMember(std::promise<uint64_t>* done) : done_(done) {}
  void handle(ConnectNext connect) { next_ = std::move(connect.next); }
  void handle(Token token) {
    ++received_;
    if (token.value == 1) {
      done_->set_value(token.value);
    } else {
      next_.tell(Token{token.value - 1});
    }
  }
  uint64_t handle(TokensReceived) { return received_; }

 private:
  std::promise<uint64_t>* done_;
  ActorRef<RingMember> next_;
  uint64_t received_ = 0;
};

struct BuildRing {
  uint64_t size;
  std::promise<uint64_t>* done;
};

// Spawns the ring and answers once every member knows its successor.
class RingDriver : public Actor {
 public:
  Task<std::vector<ActorRef<RingMember>>> handle(BuildRing build) {
    std::vector<ActorRef<RingMember>> ring;
    ring.reserve(build.size);
    for (uint64_t i = 0; i < build.size; ++i) {
      ring.push_back(spawn<RingMember>(build.done));
    }
    for (uint64_t i = 0; i < build.size; ++i) {
      ConnectNext connect{ActorRef<RingMember>(ring[(i + 1) % build.size])};
      co_await ring[i].ask(std::move(connect));  // see workloads.h
    }
    co_return ring;
  }
};

bool run_counting(const WorkloadConfig& config) {
  const uint64_t n = config.scaled(5'000'000);
  std::unique_ptr<Runtime> runtime = start_runtime(config);
  ActorRef<CountingDriver> driver = spawn<CountingDriver>(*runtime);
  ActorRef<Producer> producer = driver.ask(SetUpCounting{}).get();

  const uint64_t allocs_before = allocations();
  const auto clock = Stopwatch::start();
  const uint64_t total = producer.ask(Produce{n}, kRunTimeout).get();
  const double seconds = clock.seconds();
  const uint64_t allocs = allocations() - allocs_before;

  stop_runtime(*runtime);
  const bool ok = total == n;
  if (!ok) explain_failure("counting", "total=" + std::to_string(total));
  report_rate("counting", config, param("n", n), "msgs", n, seconds, allocs,
              ok);
  return ok;
}

bool run_threadring(const WorkloadConfig& config) {
  const uint64_t r = 503;
  const uint64_t t = config.scaled(5'000'000);
  std::promise<uint64_t> done;  // outlives the runtime
  std::future<uint64_t> finished = done.get_future();
  std::unique_ptr<Runtime> runtime = start_runtime(config);
  ActorRef<RingDriver> driver = spawn<RingDriver>(*runtime);
  std::vector<ActorRef<RingMember>> ring =
      driver.ask(BuildRing{r, &done}).get();

  const uint64_t allocs_before = allocations();
  const auto clock = Stopwatch::start();
  ring[0].tell(Token{t});
  const uint64_t last = finished.get();
  const double seconds = clock.seconds();
  const uint64_t allocs = allocations() - allocs_before;

  uint64_t sum = 0;
  for (const ActorRef<RingMember>& member : ring) {
    sum += member.ask(TokensReceived{}).get();
  }
  stop_runtime(*runtime);
  const bool ok = last == 1 && sum == t;
  if (!ok) {
    explain_failure("threadring", "last=" + std::to_string(last) +
                                      " counts sum to " + std::to_string(sum));
  }
  report_rate("threadring", config, param("r", r) + " " + param("t", t), "msgs",
              t, seconds, allocs, ok);
  return ok;
}

}  // namespace messaging_workloads

bool pingpong(const WorkloadConfig& config) {
  return messaging_workloads::run_pingpong("pingpong", config, /*cross=*/false);
}

bool pingpong_cross(const WorkloadConfig& config) {
  if (config.reactors < 2) {
    explain_failure("pingpong_cross", "needs --reactors=2 or more; skipped");
    return true;
  }
  return messaging_workloads::run_pingpong("pingpong_cross", config,
                                           /*cross=*/true);
}

bool counting(const WorkloadConfig& config) {
  return messaging_workloads::run_counting(config);
}

bool threadring(const WorkloadConfig& config) {
  return messaging_workloads::run_threadring(config);
}

}  // namespace gale::bench
