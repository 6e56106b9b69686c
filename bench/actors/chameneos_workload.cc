// chameneos: C chameneos ask a mall to meet; the mall pairs requests until M
// meetings happened, then answers each further request with a stop; each
// chameneo reports its meetings to the mall, which hands the sum to main (as
// in Savina: 2M + C requests, M forwards, M changes, C stops, C reports).
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "actors/actor.h"
#include "actors/spawn.h"
#include "bench/actors/workloads.h"
#include "bench/common/alloc_counter.h"
#include "bench/common/bench_util.h"

namespace gale::bench {
namespace {

enum Color : int { kBlue = 0, kRed = 1, kYellow = 2 };

int complement(int a, int b) { return a == b ? a : 3 - a - b; }

class Chameneo;
class Mall;

struct MeetRequest {  // chameneo → mall
  ActorRef<Chameneo> who;
  int color;
};
struct MeetPartner {  // mall → the chameneo that waited
  ActorRef<Chameneo> partner;
  int color;
};
struct Change {  // the one that waited → its partner
  int color;
};
struct StopMeeting {};
struct MeetingsOfOne {
  uint64_t meetings;
};
struct BeginMeeting {};

class Chameneo : public Actor {
 public:
  Chameneo(ActorRef<Mall> mall, int color)
      : mall_(std::move(mall)), me_(self(this)), color_(color) {}
  void handle(BeginMeeting) { request(); }
  void handle(const MeetPartner& meet);
  void handle(Change change) {
    color_ = change.color;
    ++meetings_;
    request();
  }
  void handle(StopMeeting);

 private:
  void request();

  ActorRef<Mall> mall_;
  ActorRef<Chameneo> me_;
  int color_;
  uint64_t meetings_ = 0;
};

class Mall : public Actor {
 public:
  Mall(uint64_t meetings, uint64_t chameneos, std::promise<uint64_t>* done)
      : remaining_(meetings), chameneos_(chameneos), done_(done) {}
  void handle(MeetRequest request) {
    if (remaining_ == 0) {
      request.who.tell(StopMeeting{});
    } else if (!waiting_.valid()) {
      waiting_ = std::move(request.who);
    } else {
      --remaining_;
      waiting_.tell(MeetPartner{std::move(request.who), request.color});
      waiting_ = ActorRef<Chameneo>();
    }
  }
  void handle(MeetingsOfOne report) {
    meetings_ += report.meetings;
    if (++stopped_ == chameneos_) done_->set_value(meetings_);
  }

 private:
  uint64_t remaining_;
  uint64_t chameneos_;
  std::promise<uint64_t>* done_;
  ActorRef<Chameneo> waiting_;
  uint64_t stopped_ = 0;
  uint64_t meetings_ = 0;
};

void Chameneo::handle(const MeetPartner& meet) {
  color_ = complement(color_, meet.color);
  ++meetings_;
  meet.partner.tell(Change{color_});
  request();
}

void Chameneo::handle(StopMeeting) {
  mall_.tell(MeetingsOfOne{meetings_});
  stop();
}

void Chameneo::request() { mall_.tell(MeetRequest{ActorRef(me_), color_}); }

struct SetUpChameneos {
  uint64_t chameneos;
  uint64_t meetings;
  std::promise<uint64_t>* done;
};
struct StartAll {};

class ChameneosDriver : public Actor {
 public:
  void handle(SetUpChameneos setup) {
    ActorRef<Mall> mall =
        spawn<Mall>(setup.meetings, setup.chameneos, setup.done);
    for (uint64_t i = 0; i < setup.chameneos; ++i) {
      chameneos_.push_back(
          spawn<Chameneo>(ActorRef<Mall>(mall), static_cast<int>(i % 3)));
    }
  }
  void handle(StartAll) {
    for (const ActorRef<Chameneo>& chameneo : chameneos_) {
      chameneo.tell(BeginMeeting{});
    }
  }

 private:
  std::vector<ActorRef<Chameneo>> chameneos_;
};

}  // namespace

bool chameneos(const WorkloadConfig& config) {
  const uint64_t c = 100;
  const uint64_t m = config.scaled(1'000'000);
  std::promise<uint64_t> done;  // outlives the runtime
  std::future<uint64_t> finished = done.get_future();
  std::unique_ptr<Runtime> runtime = start_runtime(config);
  ActorRef<ChameneosDriver> driver = spawn<ChameneosDriver>(*runtime);
  driver.ask(SetUpChameneos{c, m, &done}).get();

  const uint64_t allocs_before = allocations();
  const auto clock = Stopwatch::start();
  driver.tell(StartAll{});
  const uint64_t meetings = finished.get();
  const double seconds = clock.seconds();
  const uint64_t allocs = allocations() - allocs_before;

  stop_runtime(*runtime);
  const bool ok = meetings == 2 * m;
  if (!ok) {
    explain_failure("chameneos", "meetings sum to " + std::to_string(meetings));
  }
  report_rate("chameneos", config, param("c", c) + " " + param("m", m), "msgs",
              4 * m + 3 * c, seconds, allocs, ok);
  return ok;
}

}  // namespace gale::bench
