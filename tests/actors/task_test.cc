// Actor::start_task: a task runs beside the actor's handlers; stopping the
// actor cancels it and destroys the actor only after it ended; a task that
// throws is reported and stops the actor; the runtime stopping with a task
// suspended frees everything.
#include "reactor/task.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "actors/actor.h"
#include "actors/spawn.h"
#include "reactor/future.h"
#include "reactor/sleep.h"
#include "tests/actors/actor_fixture.h"

namespace gale {
namespace {

using std::chrono::hours;
using testing::failure_of;
using TaskTest = testing::RuntimeTest;

// What happened, in order, across threads; kept outside the actors so that
// it outlives them.
class Log {
 public:
  void add(std::string event) {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  std::vector<std::string> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  // The position of `event`, or -1.
  int index_of(const std::string& event) const {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < events_.size(); ++i) {
      if (events_[i] == event) return static_cast<int>(i);
    }
    return -1;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> events_;
};

// Logs `event` when the task's frame lets go of its locals, however it ends;
// it reads the actor's state to do so (ASan checks the actor is alive).
struct FrameEnd {
  Log* log;
  const std::string* actor_name;
  ~FrameEnd() { log->add("frame end of " + *actor_name); }
};

// ---- A task interleaves with handlers -----------------------------------

struct Fulfil {
  int value;
};
struct Probe {};

class Waiter : public Actor {
 public:
  Waiter(std::promise<void>* waiting, std::promise<int>* done)
      : waiting_(waiting), done_(done) {}
  void on_start() override { start_task(wait_for_value()); }
  // Answered while the task is suspended in its await.
  int handle(Probe) { return ++probes_; }
  void handle(Fulfil fulfil) { promise_.set_value(fulfil.value); }

 private:
  Task<void> wait_for_value() {
    Future<int> future = promise_.get_future();
    waiting_->set_value();
    const int value = co_await std::move(future);
    done_->set_value(value + probes_);
  }

  std::promise<void>* waiting_;
  std::promise<int>* done_;
  Promise<int> promise_;
  int probes_ = 0;
};

TEST_P(TaskTest, HandlersRunWhileTheTaskAwaitsAFuture) {
  auto& waiting = keep<std::promise<void>>();
  auto& done = keep<std::promise<int>>();
  auto actor = spawn<Waiter>(*runtime_, &waiting, &done);
  waiting.get_future().get();
  EXPECT_EQ(actor.ask(Probe{}).get(), 1);
  EXPECT_EQ(actor.ask(Probe{}).get(), 2);
  actor.tell(Fulfil{40});
  EXPECT_EQ(done.get_future().get(), 42);  // the task saw both handlers' work
  EXPECT_EQ(actor.ask(Probe{}).get(), 3);  // and the actor runs on after it
}

class Ticker : public Actor {
 public:
  Ticker(std::promise<void>* sleeping, std::promise<int>* done)
      : sleeping_(sleeping), done_(done) {}
  void on_start() override { start_task(tick()); }
  void handle(Probe) { ++probes_; }

 private:
  // Sleeps until a handler has run in between, so the two interleave.
  Task<void> tick() {
    int sleeps = 0;
    sleeping_->set_value();  // no handler can run before the first sleep
    while (probes_ == 0) {
      co_await sleep(std::chrono::milliseconds(1));
      ++sleeps;
    }
    done_->set_value(sleeps);
  }

  std::promise<void>* sleeping_;
  std::promise<int>* done_;
  int probes_ = 0;
};

TEST_P(TaskTest, HandlerRunsBetweenTheSleepsOfATask) {
  auto& sleeping = keep<std::promise<void>>();
  auto& done = keep<std::promise<int>>();
  auto actor = spawn<Ticker>(*runtime_, &sleeping, &done);
  sleeping.get_future().get();
  actor.tell(Probe{});
  EXPECT_GE(done.get_future().get(), 1);
}

// ---- Stopping cancels the task; the actor goes after it -----------------

struct Quit {};

class Sleeper : public Actor {
 public:
  Sleeper(Log* log, std::promise<void>* waiting, std::promise<void>* gone)
      : log_(log), waiting_(waiting), gone_(gone) {}
  ~Sleeper() override {
    log_->add("destructor");
    if (gone_ != nullptr) gone_->set_value();
  }
  void on_start() override { start_task(sleep_forever()); }
  void on_stop() override { log_->add("on_stop"); }
  void handle(Quit) { stop(); }
  int handle(Probe) { return 1; }

 private:
  Task<void> sleep_forever() {
    FrameEnd frame_end{log_, &name_};
    log_->add("task waiting");
    waiting_->set_value();
    try {
      co_await sleep(hours(1));
      log_->add("task woke");
    } catch (const CancelledError&) {
      log_->add("task cancelled in " + name_);  // the actor is still alive
      throw;
    }
  }

  Log* log_;
  std::promise<void>* waiting_;
  std::promise<void>* gone_;
  std::string name_ = "sleeper";
};

// The events of a stop, in the order the contract gives.
void expect_cancelled_then_destroyed(const Log& log) {
  const std::vector<std::string> expected = {
      "task waiting", "on_stop", "task cancelled in sleeper",
      "frame end of sleeper", "destructor"};
  EXPECT_EQ(log.events(), expected);
}

TEST_P(TaskTest, StopFromAHandlerCancelsTheTaskBeforeTheActorGoes) {
  Log& log = keep<Log>();
  auto& waiting = keep<std::promise<void>>();
  auto& gone = keep<std::promise<void>>();
  auto actor = spawn<Sleeper>(*runtime_, &log, &waiting, &gone);
  waiting.get_future().get();
  actor.tell(Quit{});
  gone.get_future().get();
  expect_cancelled_then_destroyed(log);
  EXPECT_EQ(failure_of(actor.ask(Probe{})), absl::StatusCode::kUnavailable);
}

TEST_P(TaskTest, StopFromOutsideCancelsTheTaskBeforeTheActorGoes) {
  Log& log = keep<Log>();
  auto& waiting = keep<std::promise<void>>();
  auto& gone = keep<std::promise<void>>();
  auto actor = spawn<Sleeper>(*runtime_, &log, &waiting, &gone);
  waiting.get_future().get();
  actor.stop();
  gone.get_future().get();
  expect_cancelled_then_destroyed(log);
  EXPECT_EQ(failure_of(actor.ask(Probe{})), absl::StatusCode::kUnavailable);
}

// ---- A task that throws while a coroutine handler waits -------------------

struct SlowWork {
  bool then_throw = false;
};

// Its handler starts a task that throws, then waits until the task has run:
// the failure comes while the handler is suspended, and its supervision
// (here the default: a restart, on_stop then a fresh instance) must wait for
// the handler, whose frame uses the actor.
class FailsWhileBusy : public Actor {
 public:
  explicit FailsWhileBusy(Log* log) : log_(log) {}
  void on_stop() override { log_->add("on_stop"); }
  Task<int> handle(SlowWork work) {
    start_task(fail_soon());
    while (!task_failed_) co_await sleep(std::chrono::milliseconds(1));
    log_->add("handler done");
    if (work.then_throw) throw std::runtime_error("the handler fails too");
    co_return answer_;
  }
  int handle(Probe) { return 1; }

 private:
  Task<void> fail_soon() {
    co_await yield();
    task_failed_ = true;
    throw std::runtime_error("boom while a handler waits");
  }

  Log* log_;
  bool task_failed_ = false;
  int answer_ = 7;
};

TEST_P(TaskTest, ATaskThatThrowsWhileAHandlerWaitsIsSupervisedAfterIt) {
  Log& log = keep<Log>();
  ::testing::internal::CaptureStderr();
  auto actor = spawn<FailsWhileBusy>(*runtime_, &log);
  EXPECT_EQ(actor.ask(SlowWork{}).get(), 7);
  EXPECT_EQ(actor.ask(Probe{}).get(), 1);  // the restarted actor answers
  const std::string reported = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(reported.find("boom while a handler waits"), std::string::npos)
      << reported;
  EXPECT_EQ(log.events(),
            (std::vector<std::string>{"handler done", "on_stop"}));
}

// The handler fails too: its failure restarts the actor, and the task's,
// which belonged to the old instance, does not restart the new one again.
TEST_P(TaskTest, AHandlerFailingAfterItsTaskMakesOneRestart) {
  Log& log = keep<Log>();
  ::testing::internal::CaptureStderr();
  auto actor = spawn<FailsWhileBusy>(*runtime_, &log);
  EXPECT_THROW(actor.ask(SlowWork{true}).get(), std::runtime_error);
  EXPECT_EQ(actor.ask(Probe{}).get(), 1);
  const std::string reported = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(reported.find("boom while a handler waits"), std::string::npos)
      << reported;
  EXPECT_NE(reported.find("the handler fails too"), std::string::npos)
      << reported;
  EXPECT_EQ(log.events(),
            (std::vector<std::string>{"handler done", "on_stop"}));
}

// ---- A task that throws ---------------------------------------------------

class Thrower : public Actor {
 public:
  explicit Thrower(Log* log) : log_(log) {}
  void on_start() override { start_task(fail_soon()); }
  void on_stop() override { log_->add("on_stop"); }
  int handle(Probe) { return 1; }

 private:
  Task<void> fail_soon() {
    co_await sleep(std::chrono::milliseconds(1));
    throw std::runtime_error("boom in a task");
  }

  Log* log_;
};

struct WatchIt {
  ActorRef<Thrower> target;
};

class Watcher : public Actor {
 public:
  explicit Watcher(std::promise<Down>* down) : down_(down) {}
  void handle(WatchIt job) { watch(job.target); }
  void on_down(const Down& down) override { down_->set_value(down); }

 private:
  std::promise<Down>* down_;
};

TEST_P(TaskTest, ATaskThatThrowsIsReportedAndStopsTheActor) {
  Log& log = keep<Log>();
  auto& down = keep<std::promise<Down>>();
  ::testing::internal::CaptureStderr();
  auto watcher = spawn<Watcher>(*runtime_, &down);
  auto thrower = spawn<Thrower>(*runtime_, &log);
  watcher.tell(WatchIt{thrower});
  Down notice = down.get_future().get();
  const std::string reported = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(notice.actor_id, thrower.id());
  // Down carries the failure, or — if the watch arrived after the end —
  // "stopped" (the throw may beat the watch).
  if (notice.reason.code() == absl::StatusCode::kUnknown) {
    EXPECT_NE(std::string(notice.reason.message()).find("boom in a task"),
              std::string::npos)
        << notice.reason;
  } else {
    EXPECT_EQ(notice.reason.code(), absl::StatusCode::kUnavailable)
        << notice.reason;
  }
  EXPECT_NE(reported.find("boom in a task"), std::string::npos) << reported;
  EXPECT_NE(reported.find("task_test.cc"), std::string::npos) << reported;
  EXPECT_EQ(failure_of(thrower.ask(Probe{})), absl::StatusCode::kUnavailable);
  EXPECT_EQ(log.index_of("on_stop"), 0);
}

// ---- The runtime stops with a task suspended ------------------------------

class Holder : public Actor {
 public:
  Holder(Log* log, std::promise<void>* waiting)
      : log_(log), waiting_(waiting) {}
  ~Holder() override { log_->add("destructor"); }
  void on_start() override {
    start_task(await_forever());
    start_task(sleep_forever());
  }
  void on_stop() override { log_->add("on_stop"); }
  int handle(Probe) { return 1; }

 private:
  // Suspended in a future nobody fulfils (the promise is the actor's).
  Task<void> await_forever() {
    FrameEnd frame_end{log_, &name_};
    Future<void> never = promise_.get_future();
    suspended();
    co_await std::move(never);
  }
  Task<void> sleep_forever() {
    std::vector<char> owned(4096, 'x');  // LSan sees it if the frame leaks
    suspended();
    co_await sleep(hours(1));
    log_->add("woke");  // never
  }
  // Both tasks are about to suspend: the test may stop the runtime.
  void suspended() {
    if (++suspended_ == 2) waiting_->set_value();
  }

  Log* log_;
  std::promise<void>* waiting_;
  int suspended_ = 0;
  Promise<void> promise_;
  std::string name_ = "holder";
};

TEST_P(TaskTest, RuntimeStopWithSuspendedTasksFreesThem) {
  Log& log = keep<Log>();
  auto& waiting = keep<std::promise<void>>();
  auto actor = spawn<Holder>(*runtime_, &log, &waiting);
  waiting.get_future().get();
  runtime_->stop();
  runtime_->wait();
  const std::vector<std::string> events = log.events();
  ASSERT_EQ(events.size(), 3u) << ::testing::PrintToString(events);
  EXPECT_EQ(events.back(), "destructor");
  EXPECT_NE(log.index_of("frame end of holder"), -1);
  EXPECT_NE(log.index_of("on_stop"), -1);
}

// ---- Task frames destroyed unrun at shutdown -------------------------------

struct Go {};

// A task whose frame is destroyed before its first resume (the runtime stops
// before the posted start runs) still counts as ended: the actor is
// destroyed (else the cell aborts: "an actor cell freed with its actor
// alive", and LSan reports the actor).
class StartsThenStopsTheRuntime : public Actor {
 public:
  void handle(Go) {
    start_task(sleep_forever());
    runtime().stop();
  }

 private:
  Task<void> sleep_forever() { co_await sleep(hours(1)); }
};

TEST_P(TaskTest, TaskDestroyedBeforeItStartedStillEnds) {
  auto actor = spawn<StartsThenStopsTheRuntime>(*runtime_);
  actor.tell(Go{});
  runtime_->wait();
}

// The actor stops and, in the same turn, the runtime: the cancelled task's
// resume never runs, and its frame is destroyed at shutdown. Its locals still
// point into the actor, which must go only after them (ASan: no
// heap-use-after-free).
class StopsItselfAndTheRuntime : public Actor {
 public:
  StopsItselfAndTheRuntime(Log* log, std::promise<void>* waiting)
      : log_(log), waiting_(waiting) {}
  void on_start() override { start_task(sleep_forever()); }
  void handle(Go) {
    stop();
    runtime().stop();
  }

 private:
  Task<void> sleep_forever() {
    FrameEnd frame_end{log_, &name_};
    waiting_->set_value();
    co_await sleep(hours(1));
  }

  Log* log_;
  std::promise<void>* waiting_;
  std::string name_ = "an actor whose name lives on the heap";
};

TEST_P(TaskTest, ActorOutlivesTheFrameOfATaskNeverResumed) {
  Log& log = keep<Log>();
  auto& waiting = keep<std::promise<void>>();
  auto actor = spawn<StopsItselfAndTheRuntime>(*runtime_, &log, &waiting);
  waiting.get_future().get();
  actor.tell(Go{});
  runtime_->wait();
  EXPECT_NE(log.index_of("frame end of an actor whose name lives on the heap"),
            -1);
}

INSTANTIATE_TEST_SUITE_P(Reactors, TaskTest, ::testing::Values(1, 2));

}  // namespace
}  // namespace gale
