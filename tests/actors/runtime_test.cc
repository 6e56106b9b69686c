// Runtime: N reactors on N threads, stop from anywhere, pinning, offload.
#include "actors/runtime.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>

#include <atomic>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "reactor/offload.h"
#include "reactor/spawn.h"

namespace gale {
namespace {

std::unique_ptr<Runtime> start_runtime(size_t reactors, bool pin = false) {
  RuntimeOptions options;
  options.reactors = reactors;
  options.pin_threads = pin;
  options.offload_threads = 1;
  absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::start(options);
  EXPECT_TRUE(runtime.ok()) << runtime.status();
  return *std::move(runtime);
}

// Runs `fn` on reactor `index` and returns its result (the test's thread
// blocks on a std::future; it is not a reactor thread).
template <typename Fn>
auto run_on(Runtime& runtime, size_t index, Fn fn) {
  std::promise<decltype(fn())> result;
  auto future = result.get_future();
  runtime.reactor(index).post([&] { result.set_value(fn()); });
  return future.get();
}

TEST(RuntimeTest, EachReactorRunsOnItsOwnThread) {
  auto runtime = start_runtime(3);
  ASSERT_EQ(runtime->size(), 3u);
  std::set<std::thread::id> threads;
  for (size_t i = 0; i < runtime->size(); ++i) {
    Reactor* expected = &runtime->reactor(i);
    EXPECT_EQ(run_on(*runtime, i, [] { return Reactor::current(); }), expected);
    threads.insert(
        run_on(*runtime, i, [] { return std::this_thread::get_id(); }));
  }
  EXPECT_EQ(threads.size(), 3u);
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
}

TEST(RuntimeTest, DefaultIsOneReactorPerCore) {
  auto runtime = start_runtime(0);
  EXPECT_EQ(runtime->size(), std::max(1u, std::thread::hardware_concurrency()));
}

TEST(RuntimeTest, StopFromAReactorCallbackAndWait) {
  auto runtime = start_runtime(2);
  runtime->reactor(1).post([&] { runtime->stop(); });
  runtime->wait();
  runtime->wait();  // idempotent
}

TEST(RuntimeTest, DestructorStopsAndJoinsWithoutAnExplicitStop) {
  std::atomic<int> ran{0};
  {
    auto runtime = start_runtime(2);
    for (int i = 0; i < 100; ++i) runtime->next_reactor().post([&] { ++ran; });
    run_on(*runtime, 0, [] { return 0; });
    run_on(*runtime, 1, [] { return 0; });
  }
  EXPECT_EQ(ran.load(), 100);
}

// Every reactor posts kPerSender numbered callbacks to every sibling, and the
// test's thread to every reactor, in chunks so that the loops drain as they
// go. Each receiver must see 0, 1, 2, ... from each sender: per-sender FIFO
// and exactly once, through lanes and the implicit path into the same queues.
class AllToAll {
 public:
  static constexpr int kPerSender = 100'000;
  static constexpr int kChunk = 1'000;

  explicit AllToAll(Runtime& runtime)
      : runtime_(runtime),
        size_(runtime.size()),
        receivers_(size_),
        expected_per_receiver_(static_cast<int>(size_) * kPerSender) {
    // Sender index size_ is the test's thread.
    for (Receiver& receiver : receivers_) receiver.next.assign(size_ + 1, 0);
  }

  // Returns once every receiver got everything.
  void run() {
    for (size_t sender = 0; sender < size_; ++sender) {
      runtime_.reactor(sender).post([this, sender] { send_chunk(sender, 0); });
    }
    for (int from = 0; from < kPerSender; from += kChunk) {
      for (size_t target = 0; target < size_; ++target) {
        post_chunk(size_, target, from);
      }
    }
    done_.get_future().wait();
  }

  // After the runtime has stopped.
  void expect_all_received_in_order() const {
    for (size_t target = 0; target < size_; ++target) {
      const Receiver& receiver = receivers_[target];
      EXPECT_EQ(receiver.out_of_order, 0) << "at reactor " << target;
      EXPECT_EQ(receiver.received, expected_per_receiver_);
      for (size_t sender = 0; sender <= size_; ++sender) {
        if (sender == target) continue;
        EXPECT_EQ(receiver.next[sender], kPerSender)
            << "from " << sender << " to " << target;
      }
    }
  }

 private:
  // Touched on its reactor's thread only.
  struct alignas(64) Receiver {
    std::vector<int> next;  // per sender, the number expected next
    int received = 0;
    int out_of_order = 0;
  };

  // On reactor `sender`: one chunk to every sibling, then the next chunk a
  // turn later (a post to itself), so that its own loop drains meanwhile.
  void send_chunk(size_t sender, int from) {
    for (size_t target = 0; target < size_; ++target) {
      if (target != sender) post_chunk(sender, target, from);
    }
    if (from + kChunk < kPerSender) {
      runtime_.reactor(sender).post(
          [this, sender, from] { send_chunk(sender, from + kChunk); });
    }
  }

  void post_chunk(size_t sender, size_t target, int from) {
    for (int seq = from; seq < from + kChunk; ++seq) {
      runtime_.reactor(target).post(
          [this, sender, target, seq] { receive(sender, target, seq); });
    }
  }

  void receive(size_t sender, size_t target, int seq) {
    Receiver& receiver = receivers_[target];
    if (seq != receiver.next[sender]) ++receiver.out_of_order;
    receiver.next[sender] = seq + 1;
    if (++receiver.received == expected_per_receiver_ &&
        finished_.fetch_add(1, std::memory_order_acq_rel) + 1 == size_) {
      done_.set_value();
    }
  }

  Runtime& runtime_;
  const size_t size_;
  std::vector<Receiver> receivers_;
  const int expected_per_receiver_;
  std::atomic<size_t> finished_{0};
  std::promise<void> done_;
};

class RuntimeLanesTest : public ::testing::TestWithParam<size_t> {};

TEST_P(RuntimeLanesTest, EveryReactorPostsToEverySiblingInOrderExactlyOnce) {
  auto runtime = start_runtime(GetParam());
  AllToAll all_to_all(*runtime);
  all_to_all.run();
  runtime->stop();
  runtime->wait();
  all_to_all.expect_all_received_in_order();
}

INSTANTIATE_TEST_SUITE_P(Reactors, RuntimeLanesTest, ::testing::Values(2, 4),
                         [](const ::testing::TestParamInfo<size_t>& info) {
                           return std::to_string(info.param);
                         });

TEST(RuntimeTest, EachReactorPostsToEachSiblingThroughALaneOfItsOwn) {
  constexpr size_t kReactors = 3;
  auto runtime = start_runtime(kReactors);
  std::set<const moodycamel::ProducerToken*> lanes;
  for (size_t sender = 0; sender < kReactors; ++sender) {
    for (size_t target = 0; target < kReactors; ++target) {
      const moodycamel::ProducerToken* lane = run_on(*runtime, sender, [&] {
        return internal::PeerLanes::lane_to(runtime->reactor(target));
      });
      if (sender == target) {
        EXPECT_EQ(lane, nullptr);  // its own posts take the ready queue
      } else {
        EXPECT_NE(lane, nullptr) << "from " << sender << " to " << target;
        lanes.insert(lane);
      }
    }
  }
  EXPECT_EQ(lanes.size(), kReactors * (kReactors - 1));
}

// Threads outside the runtime (here the test's own, and a reactor of another
// runtime) post through foreign lanes, never through a sibling's.
TEST(RuntimeTest, PostsFromOutsideTheRuntimeTakeForeignLanes) {
  auto runtime = start_runtime(2);
  auto other = start_runtime(1);
  const moodycamel::ProducerToken* sibling_lane = run_on(*runtime, 1, [&] {
    return internal::PeerLanes::lane_to(runtime->reactor(0));
  });
  const moodycamel::ProducerToken* test_thread_lane =
      internal::PeerLanes::lane_to(runtime->reactor(0));
  const moodycamel::ProducerToken* other_runtime_lane = run_on(*other, 0, [&] {
    return internal::PeerLanes::lane_to(runtime->reactor(0));
  });
  EXPECT_NE(test_thread_lane, nullptr);
  EXPECT_NE(other_runtime_lane, nullptr);
  EXPECT_NE(test_thread_lane, sibling_lane);
  EXPECT_NE(other_runtime_lane, sibling_lane);
  EXPECT_NE(test_thread_lane, other_runtime_lane);
}

TEST(RuntimeTest, NextReactorGoesRoundRobin) {
  auto runtime = start_runtime(2);
  Reactor* first = &runtime->next_reactor();
  Reactor* second = &runtime->next_reactor();
  Reactor* third = &runtime->next_reactor();
  EXPECT_NE(first, second);
  EXPECT_EQ(first, third);
}

TEST(RuntimeTest, PinnedReactorsRunOnTheirCpus) {
  cpu_set_t allowed;
  ASSERT_EQ(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
  }
  auto runtime = start_runtime(2, /*pin=*/true);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(run_on(*runtime, i, [] { return sched_getcpu(); }),
              cpus[i % cpus.size()]);
  }
}

TEST(RuntimeTest, TasksOffloadThroughTheRuntimePool) {
  auto runtime = start_runtime(2);
  std::promise<int> result;
  auto compute = [](Runtime& rt, std::promise<int>& out) -> Task<void> {
    const int value = co_await offload(rt.offload_pool(), [] { return 6 * 7; });
    out.set_value(value);
  };
  spawn(runtime->reactor(1), compute(*runtime, result));
  EXPECT_EQ(result.get_future().get(), 42);
}

// stop() is what a SIGTERM handler calls: exercise it from a real handler.
Runtime* g_runtime_for_signal = nullptr;

TEST(RuntimeTest, StopFromASignalHandler) {
  auto runtime = start_runtime(2);
  g_runtime_for_signal = runtime.get();
  struct sigaction action {};
  action.sa_handler = [](int) { g_runtime_for_signal->stop(); };
  struct sigaction previous {};
  ASSERT_EQ(sigaction(SIGUSR1, &action, &previous), 0);
  ASSERT_EQ(raise(SIGUSR1), 0);
  runtime->wait();
  sigaction(SIGUSR1, &previous, nullptr);
  g_runtime_for_signal = nullptr;
}

TEST(RuntimeTest, WaitFromAReactorThreadAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        auto runtime = start_runtime(1);
        runtime->reactor(0).post([&] { runtime->wait(); });
        std::this_thread::sleep_for(std::chrono::seconds(5));
      },
      "called on one of its reactor threads");
}

}  // namespace
}  // namespace gale
