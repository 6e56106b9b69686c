// OneShotTimer: fires once, re-arming replaces the pending timer, cancel and
// destruction drop it, and it reads disarmed inside its own callback, which
// may arm it again. Both backends; no sleeps (the reactor runs until stopped).
#include "reactor/one_shot_timer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "reactor/reactor.h"
#include "tests/reactor/reactor_fixture.h"

namespace gale {
namespace {

using OneShotTimerTest = testing::ReactorTest;
using std::chrono::milliseconds;

// Stops the reactor after `delay`: what the timers under test had to do by
// then, they did.
void stop_after(Reactor& reactor, milliseconds delay) {
  reactor.call_later(delay, [&reactor] { reactor.stop(); });
}

TEST_P(OneShotTimerTest, FiresOnceAndThenReadsDisarmed) {
  OneShotTimer timer(reactor());
  int fired = 0;
  timer.arm(milliseconds(1), [&] { ++fired; });
  EXPECT_TRUE(timer.armed());
  stop_after(reactor(), milliseconds(20));
  reactor().run();
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(timer.armed());
  EXPECT_EQ(reactor().stats().timers_pending, 0u);
}

TEST_P(OneShotTimerTest, ArmingAgainReplacesThePendingTimer) {
  OneShotTimer timer(reactor());
  std::vector<int> fired;
  timer.arm(milliseconds(1), [&] { fired.push_back(1); });
  timer.arm(milliseconds(2), [&] { fired.push_back(2); });
  stop_after(reactor(), milliseconds(20));
  reactor().run();
  EXPECT_EQ(fired, std::vector<int>{2});
}

TEST_P(OneShotTimerTest, CancelAndDestructionDropIt) {
  int fired = 0;
  OneShotTimer cancelled(reactor());
  cancelled.arm(milliseconds(1), [&] { ++fired; });
  cancelled.cancel();
  EXPECT_FALSE(cancelled.armed());
  auto destroyed = std::make_unique<OneShotTimer>(reactor());
  destroyed->arm(milliseconds(1), [&] { ++fired; });
  destroyed.reset();
  EXPECT_EQ(reactor().stats().timers_pending, 0u);
  stop_after(reactor(), milliseconds(20));
  reactor().run();
  EXPECT_EQ(fired, 0);
}

// The callback sees the timer disarmed and arms it again; the owner may also
// destroy the timer from inside its callback. The reactor stops when both
// chains are done.
TEST_P(OneShotTimerTest, ItsCallbackMayArmItAgainOrDestroyIt) {
  int chains_left = 2;
  auto chain_done = [&] {
    if (--chains_left == 0) reactor().stop();
  };
  OneShotTimer timer(reactor());
  int fired = 0;
  bool armed_inside = true;
  struct Rearm {
    OneShotTimer* timer;
    int* fired;
    bool* armed_inside;
    decltype(chain_done)* done;
    void operator()() const {
      *armed_inside = timer->armed();
      if (++*fired < 3) {
        timer->arm(milliseconds(1), *this);
      } else {
        (*done)();
      }
    }
  };
  timer.arm(milliseconds(1), Rearm{&timer, &fired, &armed_inside, &chain_done});
  auto doomed = std::make_unique<OneShotTimer>(reactor());
  doomed->arm(milliseconds(1), [&doomed, &chain_done] {
    doomed.reset();
    chain_done();
  });
  reactor().run();
  EXPECT_EQ(fired, 3);
  EXPECT_FALSE(armed_inside);
  EXPECT_EQ(doomed, nullptr);
}

GALE_INSTANTIATE_FOR_BOTH_BACKENDS(OneShotTimerTest);

}  // namespace
}  // namespace gale
