// Supervision: restart, resume, stop and escalate per the parent's policy,
// the restart-intensity limit, and the lifecycle hooks around them.
#include "actors/supervision.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>

#include "actors/actor.h"
#include "actors/spawn.h"
#include "tests/actors/actor_fixture.h"

namespace gale {
namespace {

using testing::failure_of;
using SupervisionTest = testing::RuntimeTest;

// What happened to the workers of one test, counted across instances.
struct Journal {
  std::atomic<int> built{0};
  std::atomic<int> stopped{0};
  std::atomic<int> bosses_built{0};
};

struct Work {
  bool fail;
};
struct Count {};
struct LogicError {};

class Worker : public Actor {
 public:
  explicit Worker(Journal* journal) : journal_(journal) { ++journal_->built; }
  void on_stop() override { ++journal_->stopped; }
  int handle(Work work) {
    if (work.fail) throw std::runtime_error("worker failed");
    return ++handled_;
  }
  int handle(Count) { return handled_; }
  void handle(LogicError) { throw std::logic_error("bad input"); }

 private:
  Journal* journal_;
  int handled_ = 0;
};

struct SpawnWorker {
  SupervisionPolicy policy;
};
struct WatchedDown {};

// Spawns one supervised worker and records the Down notice it watches for.
class Boss : public Actor {
 public:
  Boss(Journal* journal, std::promise<Down>* down)
      : journal_(journal), down_(down) {
    ++journal_->bosses_built;
  }
  ActorRef<Worker> handle(SpawnWorker job) {
    worker_ = spawn<Worker>(SpawnOptions::supervised(job.policy), journal_);
    watch(worker_);
    return worker_;
  }
  void on_down(const Down& down) override {
    if (down_ != nullptr) std::exchange(down_, nullptr)->set_value(down);
  }

 private:
  Journal* journal_;
  std::promise<Down>* down_;
  ActorRef<Worker> worker_;
};

SupervisionPolicy policy_of(Directive directive, int max_restarts = 3) {
  SupervisionPolicy policy;
  policy.directive = directive;
  policy.max_restarts = max_restarts;
  policy.within = std::chrono::hours(1);
  return policy;
}

TEST_P(SupervisionTest, RestartBuildsAFreshInstanceAndKeepsTheMailbox) {
  Journal& journal = keep<Journal>();
  auto boss = spawn<Boss>(*runtime_, &journal, nullptr);
  auto worker = boss.ask(SpawnWorker{policy_of(Directive::kRestart)}).get();
  EXPECT_EQ(worker.ask(Work{false}).get(), 1);
  worker.tell(Work{true});
  auto after = worker.ask(Work{false});  // queued behind the failure
  EXPECT_EQ(std::move(after).get(), 1);  // a fresh instance's first
  EXPECT_EQ(journal.built.load(), 2);
  EXPECT_EQ(journal.stopped.load(), 1);
}

TEST_P(SupervisionTest, ResumeKeepsTheState) {
  Journal& journal = keep<Journal>();
  auto boss = spawn<Boss>(*runtime_, &journal, nullptr);
  auto worker = boss.ask(SpawnWorker{policy_of(Directive::kResume)}).get();
  EXPECT_EQ(worker.ask(Work{false}).get(), 1);
  EXPECT_THROW(worker.ask(Work{true}).get(), std::runtime_error);
  EXPECT_EQ(worker.ask(Work{false}).get(), 2);
  EXPECT_EQ(journal.built.load(), 1);
}

TEST_P(SupervisionTest, StopEndsTheChildAndTellsItsWatcher) {
  Journal& journal = keep<Journal>();
  auto& down = keep<std::promise<Down>>();
  auto boss = spawn<Boss>(*runtime_, &journal, &down);
  auto worker = boss.ask(SpawnWorker{policy_of(Directive::kStop)}).get();
  worker.tell(Work{true});
  Down notice = down.get_future().get();
  EXPECT_EQ(notice.actor_id, worker.id());
  EXPECT_EQ(notice.reason.code(), absl::StatusCode::kUnknown);
  EXPECT_NE(notice.reason.message().find("worker failed"), std::string::npos);
  EXPECT_EQ(failure_of(worker.ask(Count{})), absl::StatusCode::kUnavailable);
  EXPECT_EQ(journal.stopped.load(), 1);
}

TEST_P(SupervisionTest, EscalateFailsTheParentWhichItsSupervisorRestarts) {
  Journal& journal = keep<Journal>();
  auto boss = spawn<Boss>(*runtime_, &journal, nullptr);
  auto worker = boss.ask(SpawnWorker{policy_of(Directive::kEscalate)}).get();
  worker.tell(Work{true});
  // The boss (top-level: the default policy restarts) is rebuilt; its old
  // children are stopped with it.
  while (journal.bosses_built.load() < 2) std::this_thread::yield();
  auto again = boss.ask(SpawnWorker{policy_of(Directive::kStop)}).get();
  EXPECT_EQ(journal.bosses_built.load(), 2);
  EXPECT_EQ(failure_of(worker.ask(Count{})), absl::StatusCode::kUnavailable);
  EXPECT_EQ(again.ask(Count{}).get(), 0);
}

TEST_P(SupervisionTest, TooManyRestartsStopTheChildAndEscalate) {
  Journal& journal = keep<Journal>();
  auto& down = keep<std::promise<Down>>();
  auto boss = spawn<Boss>(*runtime_, &journal, &down);
  auto worker =
      boss.ask(SpawnWorker{policy_of(Directive::kRestart, /*max_restarts=*/2)})
          .get();
  for (int i = 0; i < 3; ++i) worker.tell(Work{true});
  Down notice = down.get_future().get();  // the third failure: no restart
  EXPECT_EQ(notice.actor_id, worker.id());
  EXPECT_EQ(journal.built.load(), 3);  // the original and two restarts
  // Escalated: the boss was restarted by its own (default) supervisor.
  EXPECT_EQ(boss.ask(SpawnWorker{policy_of(Directive::kStop)})
                .get()
                .ask(Count{})
                .get(),
            0);
  EXPECT_EQ(journal.bosses_built.load(), 2);
}

TEST_P(SupervisionTest, DecideChoosesPerException) {
  Journal& journal = keep<Journal>();
  SupervisionPolicy policy;
  policy.decide = [](std::exception_ptr error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::logic_error&) {
      return Directive::kResume;
    } catch (...) {
      return Directive::kRestart;
    }
  };
  auto boss = spawn<Boss>(*runtime_, &journal, nullptr);
  auto worker = boss.ask(SpawnWorker{policy}).get();
  EXPECT_EQ(worker.ask(Work{false}).get(), 1);
  worker.tell(LogicError{});  // resumed: state kept
  EXPECT_EQ(worker.ask(Count{}).get(), 1);
  worker.tell(Work{true});  // restarted: state reset
  EXPECT_EQ(worker.ask(Count{}).get(), 0);
  EXPECT_EQ(journal.built.load(), 2);
}

// A parent that stops takes its children with it.
struct StopNow {};
class Parent : public Actor {
 public:
  explicit Parent(Journal* journal) : journal_(journal) {}
  ActorRef<Worker> handle(SpawnWorker job) {
    return spawn<Worker>(SpawnOptions::supervised(job.policy), journal_);
  }
  void handle(StopNow) { stop(); }

 private:
  Journal* journal_;
};

TEST_P(SupervisionTest, StoppingAParentStopsItsChildren) {
  Journal& journal = keep<Journal>();
  auto parent = spawn<Parent>(*runtime_, &journal);
  auto child = parent.ask(SpawnWorker{policy_of(Directive::kRestart)}).get();
  EXPECT_EQ(child.ask(Work{false}).get(), 1);
  parent.tell(StopNow{});
  // The child's stop is in flight; ask until it is turned away.
  while (failure_of(child.ask(Count{})) != absl::StatusCode::kUnavailable) {
    std::this_thread::yield();
  }
  EXPECT_EQ(journal.stopped.load(), 1);
}

INSTANTIATE_TEST_SUITE_P(Reactors, SupervisionTest, ::testing::Values(1, 2));

}  // namespace
}  // namespace gale
