// Lifecycle: on_start and on_stop, stop from inside and outside, watch, and a
// runtime stopped with messages in flight (every ask completes).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "actors/actor.h"
#include "actors/spawn.h"
#include "tests/actors/actor_fixture.h"

namespace gale {
namespace {

using testing::failure_of;
using LifecycleTest = testing::RuntimeTest;

struct Events {
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
  std::atomic<bool> message_before_start{false};
};

struct Ping {};
struct Quit {};

class Tracked : public Actor {
 public:
  explicit Tracked(Events* events) : events_(events) {}
  void on_start() override { ++events_->started; }
  void on_stop() override { ++events_->stopped; }
  int handle(Ping) {
    if (events_->started.load() == 0) events_->message_before_start = true;
    return 1;
  }
  void handle(Quit) { stop(); }

 private:
  Events* events_;
};

TEST_P(LifecycleTest, OnStartRunsBeforeTheFirstMessageAndOnStopOnce) {
  Events& events = keep<Events>();
  auto actor = spawn<Tracked>(*runtime_, &events);
  EXPECT_EQ(actor.ask(Ping{}).get(), 1);
  actor.tell(Quit{});
  actor.stop();  // already stopping: no second on_stop
  EXPECT_EQ(failure_of(actor.ask(Ping{})), absl::StatusCode::kUnavailable);
  EXPECT_EQ(events.started.load(), 1);
  EXPECT_EQ(events.stopped.load(), 1);
  EXPECT_FALSE(events.message_before_start.load());
}

TEST_P(LifecycleTest, StopFromOutsideComesAfterEarlierMessages) {
  Events& events = keep<Events>();
  auto actor = spawn<Tracked>(*runtime_, &events);
  auto before = actor.ask(Ping{});
  actor.stop();
  auto after = actor.ask(Ping{});
  EXPECT_EQ(std::move(before).get(), 1);
  EXPECT_EQ(failure_of(std::move(after)), absl::StatusCode::kUnavailable);
}

struct Watch {
  ActorRef<Tracked> target;
};

class Watcher : public Actor {
 public:
  explicit Watcher(std::promise<Down>* down) : down_(down) {}
  void handle(Watch job) { watch(job.target); }
  void on_down(const Down& down) override { down_->set_value(down); }

 private:
  std::promise<Down>* down_;
};

TEST_P(LifecycleTest, WatchDeliversDownWithTheReason) {
  Events& events = keep<Events>();
  auto& down = keep<std::promise<Down>>();
  auto target = spawn<Tracked>(*runtime_, &events);
  auto watcher = spawn<Watcher>(*runtime_, &down);
  watcher.tell(Watch{target});
  EXPECT_EQ(target.ask(Ping{}).get(), 1);
  // The watch may still be in flight: it is registered or, if it arrives
  // after the end, answered at once. Either way one Down comes.
  target.tell(Quit{});
  Down notice = down.get_future().get();
  EXPECT_EQ(notice.actor_id, target.id());
  EXPECT_TRUE(notice.reason.ok() ||
              notice.reason.code() == absl::StatusCode::kUnavailable)
      << notice.reason;
}

TEST_P(LifecycleTest, WatchingADeadActorDeliversDownAtOnce) {
  Events& events = keep<Events>();
  auto& down = keep<std::promise<Down>>();
  auto target = spawn<Tracked>(*runtime_, &events);
  target.tell(Quit{});
  EXPECT_EQ(failure_of(target.ask(Ping{})), absl::StatusCode::kUnavailable);
  auto watcher = spawn<Watcher>(*runtime_, &down);
  watcher.tell(Watch{target});
  Down notice = down.get_future().get();
  EXPECT_EQ(notice.actor_id, target.id());
  EXPECT_EQ(notice.reason.code(), absl::StatusCode::kUnavailable);
}

// ---- Shutdown with messages in flight
// ----------------------------------------

struct Relay {
  int hops;
};
class Bouncer : public Actor {
 public:
  explicit Bouncer(Events* events) : events_(events) {}
  void on_stop() override { ++events_->stopped; }
  Task<int> handle(Relay relay) {
    if (relay.hops == 0) co_return 0;
    co_return 1 + co_await peer_.ask(Relay{relay.hops - 1});
  }
  void handle(ActorRef<Bouncer> peer) { peer_ = std::move(peer); }

 private:
  Events* events_;
  ActorRef<Bouncer> peer_;
};

TEST_P(LifecycleTest, StopWithMessagesInFlightCompletesEveryAsk) {
  Events& events = keep<Events>();
  constexpr int kActors = 8;
  std::vector<ActorRef<Bouncer>> bouncers;
  for (int i = 0; i < kActors; ++i) {
    bouncers.push_back(spawn<Bouncer>(*runtime_, &events));
  }
  for (int i = 0; i < kActors; ++i) {
    bouncers[i].tell(ActorRef<Bouncer>(bouncers[(i + 1) % kActors]));
  }
  std::vector<Future<int>> asks;
  for (int i = 0; i < 2000; ++i) {
    asks.push_back(bouncers[i % kActors].ask(Relay{i % 5}));
  }
  runtime_->stop();
  runtime_->wait();
  int values = 0;
  int errors = 0;
  for (Future<int>& ask : asks) {
    try {
      std::move(ask).get();
      ++values;
    } catch (const StatusError&) {
      ++errors;
    }
  }
  EXPECT_EQ(values + errors, 2000);
  EXPECT_EQ(events.stopped.load(), kActors);
}

TEST_P(LifecycleTest, AnActorSpawnedAsTheRuntimeStopsIsStillCleanedUp) {
  Events& events = keep<Events>();
  auto actor = spawn<Tracked>(*runtime_, &events);
  auto ask = actor.ask(Ping{});
  runtime_->stop();
  runtime_->wait();
  try {
    std::move(ask).get();
  } catch (const StatusError&) {
  }
  EXPECT_EQ(events.started.load(), events.stopped.load());
}

// Small tells travel without a reference to their actor's cell: the cell must
// outlive every one still queued when its last reference goes. Here the
// target stops halfway through a burst and the sender's reference goes right
// after the burst (the last, or the actor's own life goes after it); the rest
// of the burst then meets a stopped actor (dropped, as tells to a stopped
// actor are). Under ASan, a cell freed too early is a use after free.
struct Tick {};

class Counter : public Actor {
 public:
  explicit Counter(std::atomic<int>* ticks) : ticks_(ticks) {}
  void handle(Tick) { ++*ticks_; }
  void handle(Quit) { stop(); }

 private:
  std::atomic<int>* ticks_;
};

struct Burst {
  ActorRef<Counter> target;
  std::promise<void>* delivered;
};

class Burster : public Actor {
 public:
  static constexpr int kHalf = 5000;
  void handle(Burst burst) {
    for (int i = 0; i < kHalf; ++i) burst.target.tell(Tick{});
    burst.target.tell(Quit{});
    for (int i = 0; i < kHalf; ++i) burst.target.tell(Tick{});
    // From this thread to the target's reactor, behind the burst.
    burst.target.reactor().post(
        [delivered = burst.delivered] { delivered->set_value(); });
  }  // the last reference to the target goes with `burst`
};

TEST_P(LifecycleTest, SmallTellsInFlightOutliveTheLastReferenceToTheirActor) {
  std::atomic<int>& ticks = keep<std::atomic<int>>(0);
  const size_t last = runtime_->size() - 1;
  for (int round = 0; round < 20; ++round) {
    auto target = spawn<Counter>(*runtime_, SpawnOptions::on(last), &ticks);
    // Started before the burst, which comes through another channel.
    EXPECT_EQ(failure_of(target.ask(Tick{})), absl::StatusCode::kOk);
    ticks = 0;
    auto burster = spawn<Burster>(*runtime_, SpawnOptions::on(0));
    std::promise<void> delivered;
    std::future<void> done = delivered.get_future();
    burster.tell(Burst{std::move(target), &delivered});
    done.wait();
    EXPECT_EQ(ticks.exchange(0), Burster::kHalf) << "round " << round;
  }
}

// The cell goes while the runtime runs, not only with its reactor: the spawn
// argument it keeps (for restarts) is a token whose deleter says so.
class StopsOnQuit : public Actor {
 public:
  explicit StopsOnQuit(const std::shared_ptr<int>& /*token*/) {}
  void handle(Tick) {}
  void handle(Quit) { stop(); }
};

TEST_P(LifecycleTest, ACellIsFreedWhileTheRuntimeRuns) {
  const size_t last = runtime_->size() - 1;
  for (int round = 0; round < 5; ++round) {
    // Shared with the deleter, which may run after a failed wait.
    auto destroyed = std::make_shared<std::promise<void>>();
    std::future<void> freed = destroyed->get_future();
    std::shared_ptr<int> token(new int(round), [destroyed](int* value) {
      delete value;
      destroyed->set_value();
    });
    {
      auto target = spawn<StopsOnQuit>(*runtime_, SpawnOptions::on(last),
                                       std::move(token));
      for (int i = 0; i < 1000; ++i) target.tell(Tick{});
      target.tell(Quit{});
      for (int i = 0; i < 1000; ++i) target.tell(Tick{});
    }  // the last reference
    // A failure is a cell kept until the runtime goes, not a hang.
    EXPECT_EQ(freed.wait_for(std::chrono::seconds(10)),
              std::future_status::ready)
        << "round " << round;
  }
}

// The last reference goes on a third thread, while the tells of another
// (through another producer of the home reactor's queue) are still queued
// for the stopped actor.
struct DeadBurst {
  ActorRef<Counter> target;
  std::promise<void>* posted;
};

class DeadBurster : public Actor {
 public:
  void handle(DeadBurst burst) {
    for (int i = 0; i < 20000; ++i) burst.target.tell(Tick{});
    burst.target = {};
    burst.posted->set_value();
  }
};

TEST_P(LifecycleTest, TheLastReferenceMayGoOnAThirdThread) {
  std::atomic<int>& ticks = keep<std::atomic<int>>(0);
  const size_t last = runtime_->size() - 1;
  for (int round = 0; round < 20; ++round) {
    auto target = spawn<Counter>(*runtime_, SpawnOptions::on(last), &ticks);
    EXPECT_EQ(failure_of(target.ask(Quit{})), absl::StatusCode::kOk);
    auto burster = spawn<DeadBurster>(*runtime_, SpawnOptions::on(0));
    std::promise<void> posted;
    burster.tell(DeadBurst{target, &posted});
    posted.get_future().wait();
    target = {};  // the last reference, from this thread
  }
  EXPECT_EQ(ticks.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Reactors, LifecycleTest, ::testing::Values(1, 2));

}  // namespace
}  // namespace gale
