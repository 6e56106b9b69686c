// fd_pingpong (a 1-byte token bounced over two pipes) and idle_wakeups (an idle
// reactor for 2 s, counting the returns from its poll).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "bench/common/alloc_counter.h"
#include "bench/common/bench_util.h"
#include "bench/reactor/workloads.h"
#include "reactor/reactor.h"

namespace gale::bench {
namespace {

struct PingPong {
  Reactor* reactor = nullptr;
  int a_to_b[2] = {-1, -1};
  int b_to_a[2] = {-1, -1};
  uint64_t target = 0;
  uint64_t round_trips = 0;
  bool bad_read = false;

  bool read_one(int fd) {
    char buffer[64];
    if (::read(fd, buffer, sizeof(buffer)) != 1) {
      bad_read = true;
      reactor->stop();
      return false;
    }
    return true;
  }
  void send(int fd) {
    if (::write(fd, "t", 1) != 1) bad_read = true;
  }
  void on_b_readable() {  // B: token arrived from A, send it back
    if (read_one(a_to_b[0])) send(b_to_a[1]);
  }
  void on_a_readable() {  // A: a round trip is complete
    if (!read_one(b_to_a[0])) return;
    if (++round_trips == target) {
      reactor->stop();
    } else {
      send(a_to_b[1]);
    }
  }
};

}  // namespace

bool fd_pingpong(const WorkloadConfig& config) {
  const uint64_t n = config.scaled(1'000'000);
  auto reactor = make_reactor(config);
  PingPong game;
  game.reactor = reactor.get();
  game.target = n;
  if (::pipe2(game.a_to_b, O_NONBLOCK | O_CLOEXEC) != 0 ||
      ::pipe2(game.b_to_a, O_NONBLOCK | O_CLOEXEC) != 0) {
    std::perror("pipe2");
    return false;
  }
  bool ok = reactor
                ->add_handler(game.a_to_b[0], kReadable,
                              [&game](IoEvents) { game.on_b_readable(); })
                .ok() &&
            reactor
                ->add_handler(game.b_to_a[0], kReadable,
                              [&game](IoEvents) { game.on_a_readable(); })
                .ok();
  const uint64_t allocs_before = allocations();
  const auto watch = Stopwatch::start();
  game.send(game.a_to_b[1]);
  reactor->run();
  const double seconds = watch.seconds();
  const uint64_t allocs = allocations() - allocs_before;
  const ReactorStats stats = reactor->stats();
  ok = ok && game.round_trips == n && !game.bad_read;
  (void)reactor->remove_handler(game.a_to_b[0]);
  (void)reactor->remove_handler(game.b_to_a[0]);
  for (int fd :
       {game.a_to_b[0], game.a_to_b[1], game.b_to_a[0], game.b_to_a[1]})
    ::close(fd);
  std::printf(
      "gale fd_pingpong ops=%llu seconds=%.4f ops_per_sec=%.4g "
      "polls_per_round_trip=%.3f "
      "allocs_per_op=%.4f check=%s\n",
      static_cast<unsigned long long>(n), seconds, n / seconds,
      static_cast<double>(stats.polls) / static_cast<double>(n),
      static_cast<double>(allocs) / static_cast<double>(n), ok ? "ok" : "FAIL");
  return ok;
}

bool idle_wakeups(const WorkloadConfig& config) {
  const auto idle_for = std::chrono::milliseconds(
      static_cast<int64_t>(2000 * std::min(1.0, config.scale * 10)));
  auto reactor = make_reactor(config);
  Reactor* r = reactor.get();
  std::thread stopper([r, idle_for] {
    std::this_thread::sleep_for(idle_for);
    r->stop();
  });
  const auto watch = Stopwatch::start();
  reactor->run();
  const double seconds = watch.seconds();
  stopper.join();
  const ReactorStats stats = reactor->stats();
  // The stop itself ends the one sleep; any further sleep means the reactor
  // woke up while idle. (`polls` also counts the non-blocking look for ready
  // I/O that precedes the sleep.)
  const uint64_t wakeups = stats.sleeps > 0 ? stats.sleeps - 1 : 0;
  const bool ok = wakeups == 0;
  std::printf(
      "gale idle_wakeups ops=1 seconds=%.4f ops_per_sec=%.4g wakeups=%llu "
      "polls=%llu "
      "check=%s\n",
      seconds, 1 / seconds, static_cast<unsigned long long>(wakeups),
      static_cast<unsigned long long>(stats.polls), ok ? "ok" : "FAIL");
  return ok;
}

}  // namespace gale::bench
