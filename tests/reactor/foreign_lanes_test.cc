// Foreign lanes: the producer tokens through which threads outside a
// reactor's runtime post to it. A thread keeps one lane per reactor, threads
// beyond the cap fall back to the implicit path, a thread posting to more
// reactors than its cache holds keeps its lanes, and a cached lane of a
// destroyed reactor is never used for its successor. Order per posting thread
// holds throughout. Synchronisation by promises and joins, never by sleeping.
#include "reactor/internal/foreign_lanes.h"

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "reactor/reactor.h"
#include "tests/reactor/reactor_fixture.h"

namespace gale {
namespace {

using ForeignLanesTest = testing::ReactorTest;
using internal::PeerLanes;

// Posts `count` callbacks numbered 0..count-1 to `target`; `received` is
// touched on the target's thread only, and `done` runs after the last.
template <typename Done>
void post_numbered(Reactor& target, int count, std::vector<int>& received,
                   Done done) {
  for (int i = 0; i < count; ++i) {
    target.post([&received, i, count, done] {
      received.push_back(i);
      if (i == count - 1) done();
    });
  }
}

void expect_in_order(const std::vector<int>& received, int count) {
  ASSERT_EQ(received.size(), static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) ASSERT_EQ(received[i], i);
}

// A reactor on a thread of its own, running until destroyed.
class ReactorThread {
 public:
  explicit ReactorThread(SelectorBackend backend) {
    std::promise<Reactor*> created;
    thread_ = std::thread([this, backend, &created] {
      ReactorOptions options;
      options.backend = backend;
      auto reactor = Reactor::create(std::move(options));
      if (!reactor.ok()) {
        created.set_value(nullptr);
        return;
      }
      created.set_value(reactor->get());
      (*reactor)->run();
      // stop() may still be writing the wakeup when run() returns.
      stopped_.get_future().wait();
    });
    reactor_ = created.get_future().get();
  }
  ~ReactorThread() {
    if (reactor_ != nullptr) reactor_->stop();
    stopped_.set_value();
    thread_.join();
  }
  Reactor* reactor() const { return reactor_; }

 private:
  std::promise<void> stopped_;
  std::thread thread_;
  Reactor* reactor_ = nullptr;
};

TEST_P(ForeignLanesTest, EachThreadKeepsALaneOfItsOwn) {
  const moodycamel::ProducerToken* lanes[2][2] = {};
  for (int t = 0; t < 2; ++t) {
    std::thread([&, t] {
      lanes[t][0] = PeerLanes::lane_to(reactor());
      lanes[t][1] = PeerLanes::lane_to(reactor());
    }).join();
  }
  EXPECT_NE(lanes[0][0], nullptr);
  EXPECT_NE(lanes[1][0], nullptr);
  EXPECT_EQ(lanes[0][0], lanes[0][1]);
  EXPECT_EQ(lanes[1][0], lanes[1][1]);
  EXPECT_NE(lanes[0][0], lanes[1][0]);
}

// Threads beyond the cap post through the implicit path, in order all the
// same.
TEST_P(ForeignLanesTest, ThreadsBeyondTheCapPostInOrderWithoutALane) {
  constexpr int kThreads = internal::ForeignLanes::kMaxLanes + 8;
  constexpr int kPerThread = 100;
  std::vector<std::vector<int>> received(kThreads);
  std::vector<const moodycamel::ProducerToken*> lanes(kThreads);
  int finished = 0;  // touched on the reactor only
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      lanes[t] = PeerLanes::lane_to(reactor());
      post_numbered(reactor(), kPerThread, received[t], [&] {
        if (++finished == kThreads) reactor().stop();
      });
    });
  }
  reactor().run();
  for (std::thread& thread : threads) thread.join();
  std::set<const moodycamel::ProducerToken*> distinct;
  int without = 0;
  for (const moodycamel::ProducerToken* lane : lanes) {
    if (lane == nullptr) {
      ++without;
    } else {
      distinct.insert(lane);
    }
  }
  EXPECT_EQ(distinct.size(), internal::ForeignLanes::kMaxLanes);
  EXPECT_EQ(without, kThreads - static_cast<int>(distinct.size()));
  for (int t = 0; t < kThreads; ++t) expect_in_order(received[t], kPerThread);
}

// Six targets and a cache of four: posts round robin evict lanes from the
// cache on every turn, and the thread finds the same lanes again.
TEST_P(ForeignLanesTest, AThreadPostingToManyReactorsKeepsItsLanes) {
  constexpr int kTargets = 6;
  constexpr int kPerTarget = 10'000;
  std::vector<std::unique_ptr<ReactorThread>> targets;
  for (int i = 0; i < kTargets; ++i) {
    targets.push_back(std::make_unique<ReactorThread>(GetParam()));
    ASSERT_NE(targets.back()->reactor(), nullptr);
  }
  std::vector<std::vector<int>> received(kTargets);
  std::vector<std::promise<void>> done(kTargets);
  std::vector<const moodycamel::ProducerToken*> first(kTargets);
  std::vector<const moodycamel::ProducerToken*> last(kTargets);
  std::thread poster([&] {
    for (int t = 0; t < kTargets; ++t) {
      first[t] = PeerLanes::lane_to(*targets[t]->reactor());
    }
    for (int i = 0; i < kPerTarget; ++i) {
      for (int t = 0; t < kTargets; ++t) {
        targets[t]->reactor()->post([&, t, i] {
          received[t].push_back(i);
          if (i == kPerTarget - 1) done[t].set_value();
        });
      }
    }
    for (int t = 0; t < kTargets; ++t) {
      last[t] = PeerLanes::lane_to(*targets[t]->reactor());
    }
  });
  poster.join();
  for (int t = 0; t < kTargets; ++t) {
    done[t].get_future().wait();
    EXPECT_NE(first[t], nullptr);
    EXPECT_EQ(first[t], last[t]) << "target " << t;
    expect_in_order(received[t], kPerTarget);
  }
}

// The thread's cache still names the first reactor's lane when a second
// reactor (perhaps at the same address) takes its place; the second must get
// a lane of its own. Under ASan, a post through the stale lane would touch
// freed memory.
TEST_P(ForeignLanesTest, ASuccessorReactorNeverGetsAStaleLane) {
  constexpr int kPosts = 1'000;
  std::promise<void> first_posted;
  std::promise<void> successor_ready;
  std::vector<int> received;
  Reactor* target = &reactor();
  std::thread poster([&] {
    target->post([] {});
    first_posted.set_value();
    successor_ready.get_future().wait();
    post_numbered(*target, kPosts, received, [&] { target->stop(); });
  });
  first_posted.get_future().wait();
  target = &recreate({});
  successor_ready.set_value();
  reactor().run();
  poster.join();
  expect_in_order(received, kPosts);
}

// ForeignLanes on its own: a successor built in the very same storage (so at
// the same address) over a new queue must hand out a token of the new queue,
// not the one the thread's cache kept.
TEST(ForeignLanesUnitTest, ASuccessorInTheSameStorageMakesItsOwnToken) {
  using Queue = moodycamel::ConcurrentQueue<int>;
  std::optional<Queue> queue;
  std::optional<internal::ForeignLanes> lanes;
  queue.emplace();
  lanes.emplace();
  moodycamel::ProducerToken* first = lanes->lane_for_calling_thread(*queue);
  ASSERT_NE(first, nullptr);
  EXPECT_TRUE(queue->enqueue(*first, 1));
  lanes.reset();
  queue.reset();
  queue.emplace();
  lanes.emplace();
  moodycamel::ProducerToken* second = lanes->lane_for_calling_thread(*queue);
  ASSERT_NE(second, nullptr);
  EXPECT_TRUE(queue->enqueue(*second, 2));
  int item = 0;
  ASSERT_TRUE(queue->try_dequeue(item));
  EXPECT_EQ(item, 2);
  EXPECT_FALSE(queue->try_dequeue(item));
}

GALE_INSTANTIATE_FOR_BOTH_BACKENDS(ForeignLanesTest);

}  // namespace
}  // namespace gale
