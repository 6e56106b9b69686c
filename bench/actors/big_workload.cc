// big: A actors, each with one ping outstanding at a time to a random peer
// (itself included) until it has sent M; a ping is answered with a pong to
// its sender; each actor reports to a sink when its M-th pong comes back.
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "actors/actor.h"
#include "actors/spawn.h"
#include "bench/actors/workloads.h"
#include "bench/common/alloc_counter.h"
#include "bench/common/bench_util.h"
#include "reactor/task.h"

namespace gale::bench {
// One namespace per workload file, so the workloads' message types never clash.
namespace big_workload {

class BigActor;

struct Peers {
  std::vector<ActorRef<BigActor>> peers;
};
struct BigStart {};
struct BigPing {
  uint32_t from;  // the sender's index in Peers
};
struct BigPong {
  uint32_t from;
};
struct BigDone {};
struct GetBigCounts {};
struct BigCounts {
  uint64_t pings_sent = 0;
  uint64_t pongs_received = 0;
  uint64_t pings_received = 0;
  uint64_t wrong_pongs = 0;
};

class BigSink : public Actor {
 public:
  BigSink(uint64_t actors, std::promise<uint64_t>* done)
      : actors_(actors), done_(done) {}
  void handle(BigDone) {
    if (++reports_ == actors_) done_->set_value(reports_);
  }

 private:
  uint64_t actors_;
  std::promise<uint64_t>* done_;
  uint64_t reports_ = 0;
};

class BigActor : public Actor {
 public:
  BigActor(uint32_t index, uint64_t m, ActorRef<BigSink> sink)
      : index_(index),
        m_(m),
        sink_(std::move(sink)),
        random_(SplitMix64(index).next()) {}

  void handle(Peers peers) { peers_ = std::move(peers.peers); }
  void handle(BigStart) { send_ping(); }
  void handle(BigPing ping) {
    ++counts_.pings_received;
    peers_[ping.from].tell(BigPong{index_});
  }
  void handle(BigPong pong) {
    ++counts_.pongs_received;
    if (pong.from != expected_) ++counts_.wrong_pongs;
    if (counts_.pings_sent < m_) {
      send_ping();
    } else {
      sink_.tell(BigDone{});
    }
  }
  BigCounts handle(GetBigCounts) { return counts_; }

 private:
  void send_ping() {
    expected_ = static_cast<uint32_t>(random_.next() % peers_.size());
    ++counts_.pings_sent;
    peers_[expected_].tell(BigPing{index_});
  }

  uint32_t index_;
  uint64_t m_;
  ActorRef<BigSink> sink_;
  XorShift64 random_;
  std::vector<ActorRef<BigActor>> peers_;
  uint32_t expected_ = 0;  // the peer of the ping outstanding
  BigCounts counts_;
};

struct SetUpBig {
  uint64_t actors;
  uint64_t m;
  std::promise<uint64_t>* done;
};
struct StartAll {};

// Spawns the sink and the actors, answers once every actor holds every
// reference, and starts them all on StartAll.
class BigDriver : public Actor {
 public:
  Task<std::vector<ActorRef<BigActor>>> handle(SetUpBig setup) {
    ActorRef<BigSink> sink = spawn<BigSink>(setup.actors, setup.done);
    actors_.reserve(setup.actors);
    for (uint64_t i = 0; i < setup.actors; ++i) {
      actors_.push_back(spawn<BigActor>(static_cast<uint32_t>(i), setup.m,
                                        ActorRef<BigSink>(sink)));
    }
    for (const ActorRef<BigActor>& actor : actors_) {
      Peers peers{std::vector<ActorRef<BigActor>>(actors_)};
      co_await actor.ask(std::move(peers));  // see workloads.h
    }
    co_return std::vector<ActorRef<BigActor>>(actors_);
  }
  void handle(StartAll) {
    for (const ActorRef<BigActor>& actor : actors_) actor.tell(BigStart{});
  }

 private:
  std::vector<ActorRef<BigActor>> actors_;
};

bool run_big(const WorkloadConfig& config) {
  const uint64_t a = 1'000;
  const uint64_t m = config.scaled(2'000);
  std::promise<uint64_t> done;  // outlives the runtime
  std::future<uint64_t> finished = done.get_future();
  std::unique_ptr<Runtime> runtime = start_runtime(config);
  ActorRef<BigDriver> driver = spawn<BigDriver>(*runtime);
  std::vector<ActorRef<BigActor>> actors =
      driver.ask(SetUpBig{a, m, &done}, kRunTimeout).get();

  const uint64_t allocs_before = allocations();
  const auto clock = Stopwatch::start();
  driver.tell(StartAll{});
  const uint64_t reports = finished.get();
  const double seconds = clock.seconds();
  const uint64_t allocs = allocations() - allocs_before;

  BigCounts sum;
  for (const ActorRef<BigActor>& actor : actors) {
    const BigCounts counts = actor.ask(GetBigCounts{}).get();
    sum.pings_sent += counts.pings_sent;
    sum.pongs_received += counts.pongs_received;
    sum.pings_received += counts.pings_received;
    sum.wrong_pongs += counts.wrong_pongs;
  }
  stop_runtime(*runtime);
  const bool ok = reports == a && sum.pings_sent == a * m &&
                  sum.pongs_received == a * m && sum.pings_received == a * m &&
                  sum.wrong_pongs == 0;
  if (!ok) {
    explain_failure("big", "sent=" + std::to_string(sum.pings_sent) +
                               " pongs=" + std::to_string(sum.pongs_received) +
                               " pings=" + std::to_string(sum.pings_received) +
                               " wrong=" + std::to_string(sum.wrong_pongs));
  }
  report_rate("big", config, param("a", a) + " " + param("m", m), "msgs",
              2 * a * m, seconds, allocs, ok);
  return ok;
}

}  // namespace big_workload

bool big(const WorkloadConfig& config) { return big_workload::run_big(config); }

}  // namespace gale::bench
