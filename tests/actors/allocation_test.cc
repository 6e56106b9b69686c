// The actors' allocation promise, checked by counting every malloc in the
// process: once warmed up, a small message (16 bytes or less) travels inside
// the reactor's queued callback and allocates nothing, and a larger one costs
// exactly one allocation — its envelope — whether it stays on its reactor or
// crosses to another. Skipped under sanitizers, which own malloc.
#include <gtest/gtest.h>

#include <future>

#include "actors/actor.h"
#include "actors/spawn.h"
#include "bench/common/alloc_counter.h"
#include "tests/actors/actor_fixture.h"

namespace gale {
namespace {

struct SmallBall {
  int remaining;
};
struct LargeBall {
  int remaining;
  char padding[60] = {};
};

template <typename Ball>
struct Rally {
  int rounds;
  std::promise<void>* done;
};

// Two players bounce a ball; the first reports when the rally is over.
template <typename Ball>
class Player : public Actor {
 public:
  void handle(ActorRef<Player> peer) { peer_ = std::move(peer); }
  void handle(Rally<Ball> rally) {
    done_ = rally.done;
    peer_.tell(Ball{2 * rally.rounds - 1});
  }
  void handle(Ball ball) {
    if (ball.remaining == 0) {
      done_->set_value();
      return;
    }
    peer_.tell(Ball{ball.remaining - 1});
  }

 private:
  ActorRef<Player> peer_;
  std::promise<void>* done_ = nullptr;
};

class AllocationTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (!bench::allocation_counting_works()) {
      GTEST_SKIP() << "allocations are not counted under sanitizers";
    }
  }
};

// Allocations of one rally of `rounds` round trips (2 * rounds messages, and
// the Rally that starts it), after a first rally warmed every queue up.
template <typename Ball>
uint64_t allocations_of_a_rally(bool cross, int rounds) {
  auto runtime = testing::start_runtime(2);
  auto first = spawn<Player<Ball>>(*runtime, SpawnOptions::on(0));
  auto second = spawn<Player<Ball>>(*runtime, SpawnOptions::on(cross ? 1 : 0));
  first.tell(ActorRef<Player<Ball>>(second));
  second.tell(ActorRef<Player<Ball>>(first));
  uint64_t counted = 0;
  for (int rally = 0; rally < 2; ++rally) {
    std::promise<void> done;
    std::future<void> finished = done.get_future();
    const uint64_t before = bench::allocations();
    first.tell(Rally<Ball>{rounds, &done});
    finished.wait();
    counted = bench::allocations() - before;
  }
  runtime->stop();
  runtime->wait();
  return counted;
}

constexpr int kRounds = 50'000;

TEST_P(AllocationTest, SmallMessagesAllocateNothing) {
  EXPECT_EQ(allocations_of_a_rally<SmallBall>(GetParam(), kRounds), 0u);
}

TEST_P(AllocationTest, LargeMessagesAllocateOneEnvelopeEach) {
  // 2 * kRounds balls, each its envelope; the Rally itself travels inline.
  EXPECT_EQ(allocations_of_a_rally<LargeBall>(GetParam(), kRounds),
            2u * kRounds);
}

INSTANTIATE_TEST_SUITE_P(Placement, AllocationTest, ::testing::Bool(),
                         [](const auto& info) {
                           return info.param ? "CrossReactor" : "SameReactor";
                         });

}  // namespace
}  // namespace gale
