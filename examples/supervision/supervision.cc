// A crashing worker restarted by its parent, printed step by step: Erlang's
// one-for-one supervision with a restart-intensity limit. The worker squares
// numbers and crashes on a negative one; its supervisor restarts it (a fresh
// instance, its count back to zero) up to twice a minute. The third crash is
// one too many: the worker is stopped and the failure escalated to the
// supervisor, whose own policy (set by main) stops it too.
//
//   bazel run -c opt //examples/supervision -- --reactors=2
#include <cstdio>
#include <future>
#include <stdexcept>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "actors/actor.h"
#include "actors/runtime.h"
#include "actors/spawn.h"

ABSL_FLAG(size_t, reactors, 1, "reactor threads");

namespace {

struct Square {
  int value;
};

int worker_instances = 0;  // read and written on the worker's reactor only

class Worker : public gale::Actor {
 public:
  Worker() : instance_(++worker_instances) {}
  void on_start() override {
    std::printf("  worker: instance %d started\n", instance_);
  }
  void on_stop() override {
    std::printf("  worker: instance %d stopped after %d jobs\n", instance_,
                jobs_);
  }
  int handle(Square job) {
    if (job.value < 0) {
      throw std::invalid_argument("cannot square " + std::to_string(job.value));
    }
    ++jobs_;
    return job.value * job.value;
  }

 private:
  int instance_;
  int jobs_ = 0;
};

struct StartWorker {};

class Supervisor : public gale::Actor {
 public:
  explicit Supervisor(std::promise<void>* stopped) : stopped_(stopped) {}
  gale::ActorRef<Worker> handle(StartWorker) {
    gale::SupervisionPolicy policy;
    policy.directive = gale::Directive::kRestart;
    policy.max_restarts = 2;
    policy.within = std::chrono::minutes(1);
    worker_ = spawn<Worker>(gale::SpawnOptions::supervised(policy));
    watch(worker_);
    std::printf(
        "supervisor: spawned the worker (restart, at most 2 per "
        "minute)\n");
    return worker_;
  }
  void on_down(const gale::Down& down) override {
    std::printf("supervisor: the worker is down: %s\n",
                down.reason.ToString().c_str());
  }
  void on_stop() override {
    std::printf("supervisor: stopped (the failure escalated to me)\n");
    stopped_->set_value();
  }

 private:
  std::promise<void>* stopped_;
  gale::ActorRef<Worker> worker_;
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  gale::RuntimeOptions options;
  options.reactors = absl::GetFlag(FLAGS_reactors);
  options.offload_threads = 1;
  auto runtime = gale::Runtime::start(options);
  if (!runtime.ok()) {
    std::fprintf(stderr, "supervision: %s\n",
                 runtime.status().ToString().c_str());
    return 1;
  }
  // The supervisor itself stops when a failure reaches it.
  gale::SupervisionPolicy stop_on_failure;
  stop_on_failure.directive = gale::Directive::kStop;
  std::promise<void> supervisor_stopped;
  auto supervisor = gale::spawn<Supervisor>(
      **runtime, gale::SpawnOptions::supervised(stop_on_failure),
      &supervisor_stopped);
  gale::ActorRef<Worker> worker = supervisor.ask(StartWorker{}).get();

  for (int value : {3, 4, -1, 5, -2, 6, -3, 7}) {
    std::printf("main: ask square(%d)\n", value);
    try {
      std::printf("main:   = %d\n", worker.ask(Square{value}).get());
    } catch (const std::exception& e) {
      std::printf("main:   failed: %s\n", e.what());
    }
  }
  supervisor_stopped.get_future().get();
  (*runtime)->stop();
  (*runtime)->wait();
  return 0;
}
