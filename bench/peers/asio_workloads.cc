// The six reactor workloads on Boost.Asio: io_context(1) with one unarmed
// steady_timer, so that Asio creates its epoll reactor as a server would.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
// Boost 1.81's asio/awaitable.hpp uses std::exchange without <utility>.
#include <utility>
// clang-format off
#include <boost/asio.hpp>
// clang-format on
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "bench/common/bench_util.h"
#include "bench/peers/peer_workloads.h"

namespace gale::bench {
namespace {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

// An io_context that has its epoll reactor up.
struct Loop {
  asio::io_context context{1};
  asio::steady_timer unarmed{context};
};

bool callbacks_chain(const PeerConfig& config) {
  const uint64_t n = config.scaled(10'000'000);
  Loop loop;
  struct Chain {
    asio::io_context* context;
    uint64_t target;
    uint64_t count = 0;
    void step() {
      if (++count < target) asio::post(*context, [this] { step(); });
    }
  } chain{&loop.context, n};
  asio::post(loop.context, [&chain] { chain.step(); });
  const auto watch = Stopwatch::start();
  loop.context.run();
  const double seconds = watch.seconds();
  report("asio", "callbacks_chain", n, seconds, "", chain.count == n);
  return chain.count == n;
}

bool callbacks_batch(const PeerConfig& config) {
  const uint64_t n = config.scaled(10'000'000);
  Loop loop;
  prefault_heap(static_cast<size_t>(n) * 96 + (64 << 20));
  struct Batch {
    uint64_t target;
    uint64_t count = 0;
    SteadyClock::time_point end;
  } batch{n, 0, {}};
  const long faults_before = minor_faults();
  const auto watch = Stopwatch::start();
  for (uint64_t i = 0; i < n; ++i) {
    asio::post(loop.context, [&batch] {
      if (++batch.count == batch.target) batch.end = SteadyClock::now();
    });
  }
  const double post_seconds = watch.seconds();
  loop.context.run();
  const double seconds =
      std::chrono::duration<double>(batch.end - watch.started()).count();
  report("asio", "callbacks_batch", n, seconds,
         absl::StrFormat("post_seconds=%.4f run_seconds=%.4f page_faults=%d",
                         post_seconds, seconds - post_seconds,
                         minor_faults() - faults_before),
         batch.count == n);
  return batch.count == n;
}

bool cross_thread_post(const PeerConfig& config) {
  const uint64_t n = config.scaled(10'000'000);
  Loop loop;
  auto guard = asio::make_work_guard(loop.context);
  std::atomic<bool> idle{false};
  uint64_t count = 0;
  SteadyClock::time_point end;
  asio::post(loop.context, [&] { idle = true; });
  std::thread runner([&] { loop.context.run(); });
  while (!idle.load()) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto watch = Stopwatch::start();
  for (uint64_t i = 0; i < n; ++i) {
    asio::post(loop.context, [&count, &end, &guard, n] {
      if (++count == n) {
        end = SteadyClock::now();
        guard.reset();
      }
    });
  }
  const double post_seconds = watch.seconds();
  runner.join();
  const double seconds =
      std::chrono::duration<double>(end - watch.started()).count();
  report("asio", "cross_thread_post", n, seconds,
         absl::StrFormat("post_seconds=%.4f", post_seconds), count == n);
  return count == n;
}

bool timers(const PeerConfig& config) {
  const uint64_t n = config.scaled(1'000'000);
  Loop loop;
  std::vector<asio::steady_timer> timers;
  timers.reserve(n);
  prefault_heap(static_cast<size_t>(n) * 256 + (64 << 20));
  SplitMix64 random(42);
  uint64_t fired = 0, early = 0, kept_sum_ms = 0;
  SteadyClock::time_point last_deadline{}, last_fire{};
  const long faults_before = minor_faults();
  const auto t0 = SteadyClock::now();
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t offset_ms = random.next() % 1001;
    const auto deadline = t0 + std::chrono::milliseconds(offset_ms);
    timers.emplace_back(loop.context, deadline);
    timers.back().async_wait(
        [&, deadline](const boost::system::error_code& error) {
          if (error) return;  // cancelled
          const auto now = SteadyClock::now();
          if (now < deadline) ++early;
          if (deadline >= last_deadline) {
            last_deadline = deadline;
            last_fire = now;
          }
          ++fired;
        });
    if (i % 2 == 1) {
      timers.back().cancel();
    } else {
      kept_sum_ms += offset_ms;
    }
  }
  const double sched_cancel =
      std::chrono::duration<double>(SteadyClock::now() - t0).count();
  const long faults = minor_faults() - faults_before;
  loop.context.run();
  const double total = std::chrono::duration<double>(last_fire - t0).count();
  const bool ok = fired == n / 2 && early == 0 &&
                  (config.scale != 1.0 || kept_sum_ms == 249'750'208ull);
  report(
      "asio", "timers", n, total,
      absl::StrFormat(
          "sched_cancel_seconds=%.4f fired=%d early=%d "
          "last_fire_after_deadline_ms=%.3f sched_page_faults=%d",
          sched_cancel, fired, early,
          std::chrono::duration<double, std::milli>(last_fire - last_deadline)
              .count(),
          faults),
      ok);
  return ok;
}

bool fd_pingpong(const PeerConfig& config) {
  const uint64_t n = config.scaled(1'000'000);
  Loop loop;
  int a_to_b[2], b_to_a[2];
  if (::pipe2(a_to_b, O_NONBLOCK | O_CLOEXEC) != 0 ||
      ::pipe2(b_to_a, O_NONBLOCK | O_CLOEXEC) != 0) {
    return false;
  }
  asio::posix::stream_descriptor b_in(loop.context, a_to_b[0]);
  asio::posix::stream_descriptor a_in(loop.context, b_to_a[0]);
  uint64_t round_trips = 0;
  bool bad = false;
  char buffer[64];
  std::function<void()> wait_b, wait_a;
  wait_b = [&] {
    b_in.async_wait(asio::posix::stream_descriptor::wait_read,
                    [&](const boost::system::error_code& error) {
                      if (error == asio::error::operation_aborted)
                        return;  // done
                      if (error ||
                          ::read(a_to_b[0], buffer, sizeof(buffer)) != 1 ||
                          ::write(b_to_a[1], "t", 1) != 1) {
                        bad = true;
                        return;
                      }
                      wait_b();
                    });
  };
  wait_a = [&] {
    a_in.async_wait(
        asio::posix::stream_descriptor::wait_read,
        [&](const boost::system::error_code& error) {
          if (error || ::read(b_to_a[0], buffer, sizeof(buffer)) != 1) {
            bad = true;
            return;
          }
          if (++round_trips == n) {
            b_in.cancel();
            return;
          }
          if (::write(a_to_b[1], "t", 1) != 1) bad = true;
          wait_a();
        });
  };
  wait_b();
  wait_a();
  const auto watch = Stopwatch::start();
  if (::write(a_to_b[1], "t", 1) != 1) bad = true;
  loop.context.run();
  const double seconds = watch.seconds();
  ::close(a_to_b[1]);
  ::close(b_to_a[1]);
  const bool ok = round_trips == n && !bad;
  report("asio", "fd_pingpong", n, seconds, "", ok);
  return ok;
}

bool idle_wakeups(const PeerConfig& config) {
  const auto idle_for = std::chrono::milliseconds(
      static_cast<int64_t>(2000 * std::min(1.0, config.scale * 10)));
  Loop loop;
  auto guard = asio::make_work_guard(loop.context);
  std::thread stopper([&] {
    std::this_thread::sleep_for(idle_for);
    loop.context.stop();
  });
  const auto watch = Stopwatch::start();
  loop.context.run();
  const double seconds = watch.seconds();
  stopper.join();
  // Asio has no hook to count returns from epoll_wait: scripts/bench.sh counts
  // them with strace.
  report("asio", "idle_wakeups", 1, seconds, "wakeups=-1 note=see_strace",
         true);
  return true;
}

}  // namespace

bool run_asio(const std::string& workload, const PeerConfig& config) {
  static constexpr NamedWorkload kWorkloads[] = {
      {"callbacks_chain", callbacks_chain},
      {"callbacks_batch", callbacks_batch},
      {"cross_thread_post", cross_thread_post},
      {"timers", timers},
      {"fd_pingpong", fd_pingpong},
      {"idle_wakeups", idle_wakeups},
  };
  return run_selected(kWorkloads, workload, config);
}

}  // namespace gale::bench
