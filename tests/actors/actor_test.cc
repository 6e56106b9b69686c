// Actors: spawn and placement, tell and ask, per-sender order, moves, timeouts,
// coroutine handlers and offload. Every test runs on 1 and on 2 reactors.
#include "actors/actor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "actors/spawn.h"
#include "reactor/future.h"
#include "reactor/offload.h"
#include "reactor/sleep.h"
#include "tests/actors/actor_fixture.h"

namespace gale {
namespace {

using testing::failure_of;
using ActorTest = testing::RuntimeTest;

struct Add {
  int amount;
};
struct Total {};
struct WhereAreYou {};
struct Boom {};

class Counter : public Actor {
 public:
  void handle(Add add) { total_ += add.amount; }
  int handle(Total) { return total_; }
  Reactor* handle(WhereAreYou) { return Reactor::current(); }
  int handle(Boom) { throw std::runtime_error("boom"); }

 private:
  int total_ = 0;
};

TEST_P(ActorTest, TellThenAskSeesEveryMessage) {
  ActorRef<Counter> counter = spawn<Counter>(*runtime_);
  for (int i = 1; i <= 100; ++i) counter.tell(Add{i});
  EXPECT_EQ(counter.ask(Total{}).get(), 5050);
}

TEST_P(ActorTest, HandlerRunsOnTheActorsReactor) {
  ActorRef<Counter> counter = spawn<Counter>(*runtime_);
  EXPECT_EQ(counter.ask(WhereAreYou{}).get(), &counter.reactor());
}

TEST_P(ActorTest, SpawnsFromOutsideGoRoundRobin) {
  std::vector<ActorRef<Counter>> counters;
  for (size_t i = 0; i < 2 * runtime_->size(); ++i) {
    counters.push_back(spawn<Counter>(*runtime_));
  }
  for (size_t i = 0; i < counters.size(); ++i) {
    EXPECT_EQ(&counters[i].reactor(),
              &counters[i % runtime_->size()].reactor());
  }
  if (runtime_->size() > 1) {
    EXPECT_NE(&counters[0].reactor(), &counters[1].reactor());
  }
}

TEST_P(ActorTest, PlacementOnAGivenReactor) {
  const size_t last = runtime_->size() - 1;
  auto counter = spawn<Counter>(*runtime_, SpawnOptions::on(last));
  EXPECT_EQ(&counter.reactor(), &runtime_->reactor(last));
}

struct SpawnOne {};
class Spawner : public Actor {
 public:
  // A child spawned from a handler, and a top-level spawn from this reactor
  // thread: both land on this reactor (locality first).
  std::pair<Reactor*, Reactor*> handle(SpawnOne) {
    child_ = spawn<Counter>();
    top_ = gale::spawn<Counter>(runtime());
    return {&child_.reactor(), &top_.reactor()};
  }

 private:
  ActorRef<Counter> child_;
  ActorRef<Counter> top_;
};

TEST_P(ActorTest, SpawnsOnAReactorStayOnIt) {
  auto spawner = spawn<Spawner>(*runtime_);
  auto [child, top] = spawner.ask(SpawnOne{}).get();
  EXPECT_EQ(child, &spawner.reactor());
  EXPECT_EQ(top, &spawner.reactor());
}

// ---- Per-sender order across reactors
// ----------------------------------------

struct Numbered {
  int sender;
  int sequence;
};
struct SenderDone {};

class OrderChecker : public Actor {
 public:
  OrderChecker(int senders, std::promise<std::vector<int>>* result)
      : next_(senders, 0), senders_left_(senders), result_(result) {}
  void handle(Numbered n) {
    if (n.sequence != next_[n.sender]) ++out_of_order_;
    next_[n.sender] = n.sequence + 1;
  }
  void handle(SenderDone) {
    if (--senders_left_ > 0) return;
    next_.push_back(out_of_order_);
    result_->set_value(next_);
  }

 private:
  std::vector<int> next_;
  int out_of_order_ = 0;
  int senders_left_;
  std::promise<std::vector<int>>* result_;
};

struct SendAll {
  int sender;
  int count;
};
class Sender : public Actor {
 public:
  explicit Sender(ActorRef<OrderChecker> to) : to_(std::move(to)) {}
  void handle(SendAll job) {
    for (int k = 0; k < job.count; ++k) to_.tell(Numbered{job.sender, k});
    to_.tell(SenderDone{});
  }

 private:
  ActorRef<OrderChecker> to_;
};

// 4 senders, one per reactor of a 4-reactor runtime, 1,000,000 messages.
TEST(ActorOrderTest, PerSenderFifoFromFourReactors) {
  std::promise<std::vector<int>> result;  // outlives the runtime
  auto runtime = testing::start_runtime(4);
  constexpr int kSenders = 4;
  constexpr int kEach = 250'000;
  auto checker =
      spawn<OrderChecker>(*runtime, SpawnOptions::on(0), kSenders, &result);
  std::vector<ActorRef<Sender>> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.push_back(spawn<Sender>(*runtime, SpawnOptions::on(s), checker));
  }
  for (int s = 0; s < kSenders; ++s) senders[s].tell(SendAll{s, kEach});
  std::vector<int> next = result.get_future().get();
  ASSERT_EQ(next.size(), kSenders + 1u);
  for (int s = 0; s < kSenders; ++s) EXPECT_EQ(next[s], kEach) << s;
  EXPECT_EQ(next[kSenders], 0) << "messages out of order";
}

// ---- Moves, not copies
// -------------------------------------------------------

struct Payload {
  explicit Payload(std::atomic<int>* copies) : copies(copies) {}
  Payload(const Payload& other) : copies(other.copies) { ++*copies; }
  Payload(Payload&&) = default;
  std::atomic<int>* copies;
  std::unique_ptr<int> data = std::make_unique<int>(7);
};
class Sink : public Actor {
 public:
  int handle(Payload payload) { return *payload.data; }
};

TEST_P(ActorTest, MessagesAreMovedNeverCopied) {
  auto& copies = keep<std::atomic<int>>(0);
  auto sink = spawn<Sink>(*runtime_);
  Payload payload(&copies);
  EXPECT_EQ(sink.ask(std::move(payload)).get(), 7);
  sink.tell(Payload(&copies));
  EXPECT_EQ(sink.ask(Payload(&copies)).get(), 7);
  EXPECT_EQ(copies.load(), 0);
}

// ---- Ask: errors and timeouts
// ------------------------------------------------

TEST_P(ActorTest, AskFailsWithTheHandlersException) {
  ActorRef<Counter> counter = spawn<Counter>(*runtime_);
  EXPECT_THROW(counter.ask(Boom{}).get(), std::runtime_error);
  counter.tell(Add{3});  // restarted by the default policy: a fresh instance
  EXPECT_EQ(counter.ask(Total{}).get(), 3);
}

TEST_P(ActorTest, AskToAStoppedActorFailsUnavailable) {
  ActorRef<Counter> counter = spawn<Counter>(*runtime_);
  counter.stop();
  EXPECT_EQ(failure_of(counter.ask(Total{})), absl::StatusCode::kUnavailable);
  counter.tell(Add{1});  // dropped, no crash
  EXPECT_EQ(failure_of(counter.ask(Total{})), absl::StatusCode::kUnavailable);
}

struct NeverAnswer {};
struct Answer {};
class Silent : public Actor {
 public:
  // Waits on a promise nobody fulfils until Answer comes (it cannot: the
  // mailbox waits for this handler), so only the ask's timeout ends it.
  Task<int> handle(NeverAnswer) { co_return co_await pending_.get_future(); }
  int handle(Answer) { return 1; }

 private:
  Promise<int> pending_;
};

TEST_P(ActorTest, AskTimesOutWithDeadlineExceeded) {
  auto silent = spawn<Silent>(*runtime_);
  EXPECT_EQ(
      failure_of(silent.ask(NeverAnswer{}, std::chrono::milliseconds(20))),
      absl::StatusCode::kDeadlineExceeded);
}

struct AskOther {
  ActorRef<Silent> silent;
};
class Asker : public Actor {
 public:
  Task<absl::StatusCode> handle(AskOther job) {
    try {
      co_await job.silent.ask(NeverAnswer{}, std::chrono::milliseconds(10));
    } catch (const StatusError& e) {
      co_return e.status().code();
    }
    co_return absl::StatusCode::kOk;
  }
};

TEST_P(ActorTest, AskFromAnActorTimesOutOnItsOwnReactor) {
  auto silent = spawn<Silent>(*runtime_);
  auto asker = spawn<Asker>(*runtime_);
  EXPECT_EQ(asker.ask(AskOther{silent}).get(),
            absl::StatusCode::kDeadlineExceeded);
}

// ---- Coroutine handlers
// ------------------------------------------------------

struct SumVia {
  ActorRef<Counter> counter;
};
class Relay : public Actor {
 public:
  Task<int> handle(SumVia job) {
    const int first = co_await job.counter.ask(Total{});
    job.counter.tell(Add{10});
    co_return first + co_await job.counter.ask(Total{});
  }
};

TEST_P(ActorTest, CoroutineHandlerAwaitsAnotherActor) {
  auto counter = spawn<Counter>(*runtime_);
  auto relay = spawn<Relay>(*runtime_);
  counter.tell(Add{5});
  EXPECT_EQ(relay.ask(SumVia{counter}).get(), 5 + 15);
}

struct Append {
  std::string text;
  bool slow;
};
struct Read {};
class Journal : public Actor {
 public:
  Task<void> handle(Append entry) {
    if (entry.slow) co_await sleep(std::chrono::milliseconds(2));
    text_ += entry.text;
  }
  std::string handle(Read) { return text_; }

 private:
  std::string text_;
};

TEST_P(ActorTest, ACoroutineHandlerHoldsTheMailboxUntilItEnds) {
  auto journal = spawn<Journal>(*runtime_);
  journal.tell(Append{"a", true});
  journal.tell(Append{"b", false});
  journal.tell(Append{"c", true});
  EXPECT_EQ(journal.ask(Read{}).get(), "abc");
}

struct SumTo {
  uint64_t n;
};
class Summer : public Actor {
 public:
  Task<uint64_t> handle(SumTo job) {
    co_return co_await offload(runtime().offload_pool(), [n = job.n] {
      uint64_t sum = 0;
      for (uint64_t i = 1; i <= n; ++i) sum += i;
      return sum;
    });
  }
};

TEST_P(ActorTest, HandlerOffloadsToThePool) {
  auto summer = spawn<Summer>(*runtime_);
  EXPECT_EQ(summer.ask(SumTo{1000}).get(), 500500u);
}

INSTANTIATE_TEST_SUITE_P(Reactors, ActorTest, ::testing::Values(1, 2));

}  // namespace
}  // namespace gale
