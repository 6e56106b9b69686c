// The six reactor workloads on libuv 1.44, with an unref'd uv_async_t on the
// loop (a real loop always has a cross-thread wakeup registered).
#include <fcntl.h>
#include <unistd.h>
#include <uv.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "bench/common/bench_util.h"
#include "bench/peers/peer_workloads.h"

namespace gale::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct Loop {
  Loop() {
    uv_loop_init(&loop);
    uv_async_init(&loop, &wakeup, nullptr);
    uv_unref(reinterpret_cast<uv_handle_t*>(&wakeup));
  }
  ~Loop() {
    uv_close(reinterpret_cast<uv_handle_t*>(&wakeup), nullptr);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  }
  uv_loop_t loop;
  uv_async_t wakeup;
};

template <typename T>
T* data_of(uv_handle_t* handle) {
  return static_cast<T*>(handle->data);
}

// One uv_idle_t that stops and restarts itself per step: one loop iteration
// (and one epoll_wait(0)) per callback, as Asio's chain.
bool callbacks_chain(const PeerConfig& config) {
  struct Chain {
    uv_idle_t idle;
    uint64_t target;
    uint64_t count = 0;
  };
  const uint64_t n = config.scaled(10'000'000);
  Loop loop;
  Chain chain{{}, n};
  uv_idle_init(&loop.loop, &chain.idle);
  chain.idle.data = &chain;
  uv_idle_start(&chain.idle, [](uv_idle_t* idle) {
    Chain* c = data_of<Chain>(reinterpret_cast<uv_handle_t*>(idle));
    uv_idle_stop(idle);
    if (++c->count < c->target) {
      uv_idle_start(idle, idle->idle_cb);
    }
  });
  const auto watch = Stopwatch::start();
  uv_run(&loop.loop, UV_RUN_DEFAULT);
  const double seconds = watch.seconds();
  uv_close(reinterpret_cast<uv_handle_t*>(&chain.idle), nullptr);
  report("libuv", "callbacks_chain", n, seconds, "", chain.count == n);
  return chain.count == n;
}

// libuv has no post(). Its thread-safe idiom — what cross_thread_post uses,
// and what Asio's post() and Gale's post() are — is a mutex-protected vector
// of std::function plus uv_async_send, drained in the async callback.
struct PostQueue {
  uv_async_t async;
  std::mutex mutex;
  std::vector<std::function<void()>> queue;

  explicit PostQueue(uv_loop_t* loop) {
    uv_async_init(loop, &async, [](uv_async_t* handle) {
      PostQueue* self = static_cast<PostQueue*>(handle->data);
      std::vector<std::function<void()>> running;
      {
        std::lock_guard lock(self->mutex);
        running.swap(self->queue);
      }
      for (auto& fn : running) fn();
    });
    async.data = this;
  }
  template <typename Fn>
  void post(Fn fn) {
    {
      std::lock_guard lock(mutex);
      queue.emplace_back(std::move(fn));
    }
    uv_async_send(&async);
  }
  void close() { uv_close(reinterpret_cast<uv_handle_t*>(&async), nullptr); }
};

struct BatchCount {
  uint64_t target;
  uint64_t count = 0;
  SteadyClock::time_point end{};
};

bool callbacks_batch(const PeerConfig& config) {
  const uint64_t n = config.scaled(10'000'000);
  Loop loop;
  prefault_heap(static_cast<size_t>(n) * 96 + (64 << 20));
  PostQueue posts(&loop.loop);
  BatchCount batch{n};
  const long faults_before = minor_faults();
  const auto watch = Stopwatch::start();
  for (uint64_t i = 0; i < n; ++i) {
    posts.post([b = &batch, p = &posts] {
      if (++b->count == b->target) {
        b->end = SteadyClock::now();
        p->close();
      }
    });
  }
  const double post_seconds = watch.seconds();
  uv_run(&loop.loop, UV_RUN_DEFAULT);
  const double seconds =
      std::chrono::duration<double>(batch.end - watch.started()).count();
  report("libuv", "callbacks_batch", n, seconds,
         absl::StrFormat("post_seconds=%.4f run_seconds=%.4f page_faults=%d",
                         post_seconds, seconds - post_seconds,
                         minor_faults() - faults_before),
         batch.count == n);
  return batch.count == n;
}

// For reference, not like for like: a bare std::vector of std::function on
// the loop thread, drained by an idle handle. Not thread-safe, no locking at
// all: the floor of what a single-threaded queue costs.
bool callbacks_batch_unsync(const PeerConfig& config) {
  struct Batch {
    uv_idle_t idle;
    std::vector<std::function<void()>> queue;
    BatchCount count;
  };
  const uint64_t n = config.scaled(10'000'000);
  Loop loop;
  prefault_heap(static_cast<size_t>(n) * 96 + (64 << 20));
  Batch batch{{}, {}, BatchCount{n}};
  uv_idle_init(&loop.loop, &batch.idle);
  batch.idle.data = &batch;
  const long faults_before = minor_faults();
  const auto watch = Stopwatch::start();
  for (uint64_t i = 0; i < n; ++i) {
    batch.queue.emplace_back([b = &batch.count] {
      if (++b->count == b->target) b->end = SteadyClock::now();
    });
  }
  uv_idle_start(&batch.idle, [](uv_idle_t* idle) {
    Batch* b = data_of<Batch>(reinterpret_cast<uv_handle_t*>(idle));
    std::vector<std::function<void()>> running;
    running.swap(b->queue);
    for (auto& fn : running) fn();
    if (b->queue.empty()) uv_idle_stop(idle);
  });
  const double post_seconds = watch.seconds();
  uv_run(&loop.loop, UV_RUN_DEFAULT);
  const double seconds =
      std::chrono::duration<double>(batch.count.end - watch.started()).count();
  uv_close(reinterpret_cast<uv_handle_t*>(&batch.idle), nullptr);
  report("libuv", "callbacks_batch_unsync", n, seconds,
         absl::StrFormat("post_seconds=%.4f run_seconds=%.4f page_faults=%d",
                         post_seconds, seconds - post_seconds,
                         minor_faults() - faults_before),
         batch.count.count == n);
  return batch.count.count == n;
}

// A mutex-protected vector plus uv_async_send, swapped out in the async
// callback, as the shared definition says.
bool cross_thread_post(const PeerConfig& config) {
  struct Inbox {
    uv_async_t async;
    std::mutex mutex;
    std::vector<std::function<void()>> queue;
    std::atomic<bool> idle{false};
    uint64_t count = 0;
    SteadyClock::time_point end;
  };
  const uint64_t n = config.scaled(10'000'000);
  Loop loop;
  Inbox inbox;
  uv_async_init(&loop.loop, &inbox.async, [](uv_async_t* async) {
    Inbox* in = data_of<Inbox>(reinterpret_cast<uv_handle_t*>(async));
    std::vector<std::function<void()>> running;
    {
      std::lock_guard lock(in->mutex);
      running.swap(in->queue);
    }
    for (auto& fn : running) fn();
  });
  inbox.async.data = &inbox;
  uv_idle_t marker;  // runs once, then the loop has nothing to do and sleeps
  uv_idle_init(&loop.loop, &marker);
  marker.data = &inbox;
  uv_idle_start(&marker, [](uv_idle_t* idle) {
    data_of<Inbox>(reinterpret_cast<uv_handle_t*>(idle))->idle = true;
    uv_idle_stop(idle);
  });
  std::thread runner([&] { uv_run(&loop.loop, UV_RUN_DEFAULT); });
  while (!inbox.idle.load()) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto watch = Stopwatch::start();
  for (uint64_t i = 0; i < n; ++i) {
    {
      std::lock_guard lock(inbox.mutex);
      inbox.queue.emplace_back([in = &inbox, n] {
        if (++in->count == n) {
          in->end = SteadyClock::now();
          uv_close(reinterpret_cast<uv_handle_t*>(&in->async), nullptr);
        }
      });
    }
    uv_async_send(&inbox.async);
  }
  const double post_seconds = watch.seconds();
  runner.join();
  uv_close(reinterpret_cast<uv_handle_t*>(&marker), nullptr);
  const double seconds =
      std::chrono::duration<double>(inbox.end - watch.started()).count();
  report("libuv", "cross_thread_post", n, seconds,
         absl::StrFormat("post_seconds=%.4f", post_seconds), inbox.count == n);
  return inbox.count == n;
}

// libuv timers have millisecond resolution relative to the cached loop time.
bool timers(const PeerConfig& config) {
  struct Timer {
    uv_timer_t handle;
    SteadyClock::time_point deadline;
  };
  struct Run {
    uint64_t fired = 0, early = 0;
    SteadyClock::time_point last_deadline{}, last_fire{};
  };
  const uint64_t n = config.scaled(1'000'000);
  Loop loop;
  auto timers = std::make_unique<Timer[]>(n);
  prefault_heap(static_cast<size_t>(n) * 64 + (64 << 20));
  Run run;
  SplitMix64 random(42);
  uint64_t kept_sum_ms = 0;
  uv_update_time(&loop.loop);
  const long faults_before = minor_faults();
  const auto t0 = SteadyClock::now();
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t offset_ms = random.next() % 1001;
    Timer& timer = timers[i];
    timer.deadline = t0 + std::chrono::milliseconds(offset_ms);
    uv_timer_init(&loop.loop, &timer.handle);
    timer.handle.data = &run;
    uv_timer_start(
        &timer.handle,
        [](uv_timer_t* handle) {
          Run* r = data_of<Run>(reinterpret_cast<uv_handle_t*>(handle));
          const auto deadline = reinterpret_cast<Timer*>(handle)->deadline;
          const auto now = SteadyClock::now();
          if (now < deadline) ++r->early;
          if (deadline >= r->last_deadline) {
            r->last_deadline = deadline;
            r->last_fire = now;
          }
          ++r->fired;
        },
        offset_ms, 0);
    if (i % 2 == 1) {
      uv_timer_stop(&timer.handle);
    } else {
      kept_sum_ms += offset_ms;
    }
  }
  const double sched_cancel =
      std::chrono::duration<double>(SteadyClock::now() - t0).count();
  const long faults = minor_faults() - faults_before;
  uv_run(&loop.loop, UV_RUN_DEFAULT);
  const double total =
      std::chrono::duration<double>(run.last_fire - t0).count();
  for (uint64_t i = 0; i < n; ++i) {
    uv_close(reinterpret_cast<uv_handle_t*>(&timers[i].handle), nullptr);
  }
  uv_run(&loop.loop, UV_RUN_DEFAULT);
  const bool ok = run.fired == n / 2 &&
                  (config.scale != 1.0 || kept_sum_ms == 249'750'208ull);
  report(
      "libuv", "timers", n, total,
      absl::StrFormat("sched_cancel_seconds=%.4f fired=%d early=%d "
                      "last_fire_after_deadline_ms=%.3f sched_page_faults=%d "
                      "note=ms_resolution",
                      sched_cancel, run.fired, run.early,
                      std::chrono::duration<double, std::milli>(
                          run.last_fire - run.last_deadline)
                          .count(),
                      faults),
      ok);
  return ok;
}

bool fd_pingpong(const PeerConfig& config) {
  struct Game {
    uv_poll_t a_poll, b_poll;
    int a_to_b[2], b_to_a[2];
    uint64_t target;
    uint64_t round_trips = 0;
    bool bad = false;
  };
  const uint64_t n = config.scaled(1'000'000);
  Loop loop;
  Game game{};
  game.target = n;
  if (::pipe2(game.a_to_b, O_NONBLOCK | O_CLOEXEC) != 0 ||
      ::pipe2(game.b_to_a, O_NONBLOCK | O_CLOEXEC) != 0) {
    return false;
  }
  uv_poll_init(&loop.loop, &game.b_poll, game.a_to_b[0]);
  uv_poll_init(&loop.loop, &game.a_poll, game.b_to_a[0]);
  game.a_poll.data = game.b_poll.data = &game;
  uv_poll_start(
      &game.b_poll, UV_READABLE, [](uv_poll_t* poll, int status, int) {
        Game* g = data_of<Game>(reinterpret_cast<uv_handle_t*>(poll));
        char buffer[64];
        if (status < 0 || ::read(g->a_to_b[0], buffer, sizeof(buffer)) != 1 ||
            ::write(g->b_to_a[1], "t", 1) != 1) {
          g->bad = true;
        }
      });
  uv_poll_start(
      &game.a_poll, UV_READABLE, [](uv_poll_t* poll, int status, int) {
        Game* g = data_of<Game>(reinterpret_cast<uv_handle_t*>(poll));
        char buffer[64];
        if (status < 0 || ::read(g->b_to_a[0], buffer, sizeof(buffer)) != 1) {
          g->bad = true;
          return;
        }
        if (++g->round_trips == g->target) {
          uv_poll_stop(&g->a_poll);
          uv_poll_stop(&g->b_poll);
          return;
        }
        if (::write(g->a_to_b[1], "t", 1) != 1) g->bad = true;
      });
  const auto watch = Stopwatch::start();
  if (::write(game.a_to_b[1], "t", 1) != 1) game.bad = true;
  uv_run(&loop.loop, UV_RUN_DEFAULT);
  const double seconds = watch.seconds();
  uv_close(reinterpret_cast<uv_handle_t*>(&game.a_poll), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&game.b_poll), nullptr);
  uv_run(&loop.loop, UV_RUN_DEFAULT);
  for (int fd :
       {game.a_to_b[0], game.a_to_b[1], game.b_to_a[0], game.b_to_a[1]})
    ::close(fd);
  const bool ok = game.round_trips == n && !game.bad;
  report("libuv", "fd_pingpong", n, seconds, "", ok);
  return ok;
}

// Returns from the poll while idle, counted by a check handle (it runs once
// after every poll and does not change the poll timeout).
bool idle_wakeups(const PeerConfig& config) {
  struct Idle {
    uv_async_t stop;
    uv_check_t check;
    uint64_t polls = 0;
  };
  const auto idle_for = std::chrono::milliseconds(
      static_cast<int64_t>(2000 * std::min(1.0, config.scale * 10)));
  Loop loop;
  Idle idle;
  uv_async_init(&loop.loop, &idle.stop,
                [](uv_async_t* async) { uv_stop(async->loop); });
  uv_check_init(&loop.loop, &idle.check);
  idle.check.data = &idle;
  uv_check_start(&idle.check, [](uv_check_t* check) {
    ++data_of<Idle>(reinterpret_cast<uv_handle_t*>(check))->polls;
  });
  std::thread stopper([&] {
    std::this_thread::sleep_for(idle_for);
    uv_async_send(&idle.stop);
  });
  const auto watch = Stopwatch::start();
  uv_run(&loop.loop, UV_RUN_DEFAULT);
  const double seconds = watch.seconds();
  stopper.join();
  uv_close(reinterpret_cast<uv_handle_t*>(&idle.stop), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&idle.check), nullptr);
  uv_run(&loop.loop, UV_RUN_DEFAULT);
  const uint64_t wakeups =
      idle.polls > 0 ? idle.polls - 1 : 0;  // the stop's own
  report("libuv", "idle_wakeups", 1, seconds,
         absl::StrFormat("wakeups=%d polls=%d", wakeups, idle.polls),
         wakeups == 0);
  return wakeups == 0;
}

}  // namespace

bool run_libuv(const std::string& workload, const PeerConfig& config) {
  static constexpr NamedWorkload kWorkloads[] = {
      {"callbacks_chain", callbacks_chain},
      {"callbacks_batch", callbacks_batch},
      {"callbacks_batch_unsync", callbacks_batch_unsync},
      {"cross_thread_post", cross_thread_post},
      {"timers", timers},
      {"fd_pingpong", fd_pingpong},
      {"idle_wakeups", idle_wakeups},
  };
  return run_selected(kWorkloads, workload, config);
}

}  // namespace gale::bench
