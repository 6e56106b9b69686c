// The actors' allocation promise, checked by counting every malloc in the
// process: once warmed up, a message costs exactly one allocation — its
// envelope — whether it stays on its reactor or crosses to another. Skipped
// under sanitizers, which own malloc.
#include <gtest/gtest.h>

#include <future>

#include "actors/actor.h"
#include "actors/spawn.h"
#include "bench/common/alloc_counter.h"
#include "tests/actors/actor_fixture.h"

namespace gale {
namespace {

class Player;

struct Ball {
  int remaining;
};
struct Rally {
  int rounds;
  std::promise<void>* done;
};

// Two players bounce a ball; the first reports when the rally is over.
class Player : public Actor {
 public:
  void handle(ActorRef<Player> peer) { peer_ = std::move(peer); }
  void handle(Rally rally) {
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

// Allocations of one rally of `rounds` round trips (2 * rounds messages),
// after a first rally warmed every queue up.
uint64_t allocations_of_a_rally(bool cross, int rounds) {
  auto runtime = testing::start_runtime(2);
  auto first = spawn<Player>(*runtime, SpawnOptions::on(0));
  auto second = spawn<Player>(*runtime, SpawnOptions::on(cross ? 1 : 0));
  first.tell(ActorRef<Player>(second));
  second.tell(ActorRef<Player>(first));
  uint64_t counted = 0;
  for (int rally = 0; rally < 2; ++rally) {
    std::promise<void> done;
    std::future<void> finished = done.get_future();
    const uint64_t before = bench::allocations();
    first.tell(Rally{rounds, &done});
    finished.wait();
    counted = bench::allocations() - before;
  }
  runtime->stop();
  runtime->wait();
  return counted;
}

TEST_P(AllocationTest, OneAllocationPerMessage) {
  constexpr int kRounds = 50'000;
  const uint64_t allocations = allocations_of_a_rally(GetParam(), kRounds);
  // 2 * kRounds balls and the Rally message itself: each its envelope.
  EXPECT_EQ(allocations, 2u * kRounds + 1);
}

INSTANTIATE_TEST_SUITE_P(Placement, AllocationTest, ::testing::Bool(),
                         [](const auto& info) {
                           return info.param ? "CrossReactor" : "SameReactor";
                         });

}  // namespace
}  // namespace gale
