// callback_pingpong_cross: the reactor alone under pingpong_cross — two
// reactors of one runtime posting a callback back and forth, no actors — so
// that pingpong_cross's cost splits into the reactor's hop and the actor
// layer above it.
#include <future>
#include <string>

#include "bench/actors/workloads.h"
#include "bench/common/alloc_counter.h"
#include "bench/common/bench_util.h"

namespace gale::bench {
namespace {

// The count travels with the callback, as a message's payload would: shared
// state written by both sides would add a cache miss per hop.
struct Rally {
  Reactor* reactors[2];
  std::promise<void> done;

  // Runs on reactors[side]; posts the next hop to the other side.
  void hop(int side, uint64_t remaining) {
    if (remaining == 0) {
      done.set_value();
      return;
    }
    reactors[1 - side]->post(
        [this, side, remaining] { hop(1 - side, remaining - 1); });
  }
};

}  // namespace

bool callback_pingpong_cross(const WorkloadConfig& config) {
  if (config.reactors < 2) {
    explain_failure("callback_pingpong_cross", "needs --reactors=2; skipped");
    return true;
  }
  std::unique_ptr<Runtime> runtime = start_runtime(config);
  const uint64_t n = config.scaled(1'000'000);
  Rally rally{{&runtime->reactor(0), &runtime->reactor(1)}, {}};
  std::future<void> finished = rally.done.get_future();
  const uint64_t allocations = bench::allocations();
  const Stopwatch clock = Stopwatch::start();
  rally.reactors[0]->post([&rally, n] { rally.hop(0, 2 * n - 1); });
  finished.wait();
  const double seconds = clock.seconds();
  const uint64_t allocated = bench::allocations() - allocations;
  stop_runtime(*runtime);
  report_rate("callback_pingpong_cross", config, param("n", n), "msgs", 2 * n,
              seconds, allocated, true);
  return true;
}

}  // namespace gale::bench
