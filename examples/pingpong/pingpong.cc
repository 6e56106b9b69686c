// Two actors on two reactors playing ping-pong: every message crosses cores
// through the target reactor's lock-free inbound queue. Prints the rate and
// the round-trip latency it implies.
//
//   bazel run -c opt //examples/pingpong -- --reactors=2 --rounds=1000000
#include <chrono>
#include <cstdio>
#include <future>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "actors/actor.h"
#include "actors/runtime.h"
#include "actors/spawn.h"

ABSL_FLAG(size_t, reactors, 2,
          "reactor threads (ping and pong go on the "
          "first and the last)");
ABSL_FLAG(int, rounds, 1'000'000, "round trips");

namespace {

class Ping;

struct Ball {
  int remaining;
};

class Pong : public gale::Actor {
 public:
  void handle(gale::ActorRef<Ping> ping) { ping_ = std::move(ping); }
  void handle(Ball ball);

 private:
  gale::ActorRef<Ping> ping_;
};

struct Serve {
  gale::ActorRef<Pong> pong;
  int rounds;
};

class Ping : public gale::Actor {
 public:
  explicit Ping(std::promise<void>* done) : done_(done) {}
  void handle(Serve serve) {
    pong_ = std::move(serve.pong);
    pong_.tell(self(this));
    pong_.tell(Ball{serve.rounds});
  }
  void handle(Ball ball) {
    if (ball.remaining == 0) {
      done_->set_value();
      return;
    }
    pong_.tell(Ball{ball.remaining - 1});
  }

 private:
  std::promise<void>* done_;
  gale::ActorRef<Pong> pong_;
};

void Pong::handle(Ball ball) { ping_.tell(ball); }

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  gale::RuntimeOptions options;
  options.reactors = absl::GetFlag(FLAGS_reactors);
  options.offload_threads = 1;
  auto runtime = gale::Runtime::start(options);
  if (!runtime.ok()) {
    std::fprintf(stderr, "pingpong: %s\n", runtime.status().ToString().c_str());
    return 1;
  }
  const int rounds = absl::GetFlag(FLAGS_rounds);
  std::promise<void> done;
  auto ping = gale::spawn<Ping>(**runtime, gale::SpawnOptions::on(0), &done);
  auto pong = gale::spawn<Pong>(**runtime,
                                gale::SpawnOptions::on((*runtime)->size() - 1));
  std::printf("ping on reactor 0, pong on reactor %zu, %d round trips\n",
              (*runtime)->size() - 1, rounds);

  const auto start = std::chrono::steady_clock::now();
  ping.tell(Serve{pong, rounds});
  done.get_future().get();
  const std::chrono::duration<double> took =
      std::chrono::steady_clock::now() - start;

  const double messages = 2.0 * rounds;
  std::printf(
      "pingpong reactors=%zu rounds=%d seconds=%.3f msgs_per_sec=%.0f "
      "round_trip_us=%.2f\n",
      (*runtime)->size(), rounds, took.count(), messages / took.count(),
      took.count() / rounds * 1e6);
  (*runtime)->stop();
  (*runtime)->wait();
  return 0;
}
