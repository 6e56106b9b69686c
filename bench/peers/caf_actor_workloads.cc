// bench/peers: the Savina actor workloads of ../shared/bench/actor-workloads.md
// written as a CAF 0.17 user would write them (event-based actors, behaviors,
// atoms), printed in the shared format next to Gale's actor benchmarks.
//
//   bazel run -c opt //bench/peers:actor_peers -- --threads=2
//   bazel run -c opt //bench/peers:actor_peers -- --workload=big
//   bazel run -c opt //bench/peers:actor_peers -- --n_scale=0.01  # smoke run
//
// Each workload runs in a fresh caf::actor_system whose scheduler.max-threads
// is set to --threads (CAF's default is max(cores, 4)), with CAF's default
// work-stealing scheduler. The main thread is not a worker: it spawns, starts
// the clock, and learns the end from a message to a scoped_actor (or, for
// fjcreation, from await_all_actors_done). The clock starts after spawning
// and wiring, except in fjcreation where spawning is what is measured.
#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "bench/common/bench_util.h"
#include "caf/all.hpp"

ABSL_FLAG(int, threads, 2, "CAF scheduler.max-threads (worker threads)");
ABSL_FLAG(std::string, workload, "all",
          "pingpong, counting, threadring, fjcreation, big, chameneos, "
          "idlemem, or all");
ABSL_FLAG(double, n_scale, 1.0,
          "multiplies every count of the shared definitions (N, T, M); the "
          "ring size R, the A actors of big and the C chameneos stay");

namespace gale::bench {
namespace {

// CAF 0.17 atoms (at most 10 characters each).
using PingAtom = caf::atom_constant<caf::atom("ping")>;
using PongAtom = caf::atom_constant<caf::atom("pong")>;
using StartAtom = caf::atom_constant<caf::atom("start")>;
using DoneAtom = caf::atom_constant<caf::atom("done")>;
using CountAtom = caf::atom_constant<caf::atom("count")>;
using IncrAtom = caf::atom_constant<caf::atom("incr")>;
using TotalAtom = caf::atom_constant<caf::atom("total")>;
using ConnectAtom = caf::atom_constant<caf::atom("connect")>;
using TokenAtom = caf::atom_constant<caf::atom("token")>;
using GoAtom = caf::atom_constant<caf::atom("go")>;
using PeersAtom = caf::atom_constant<caf::atom("peers")>;
using MeetAtom = caf::atom_constant<caf::atom("meet")>;
using ChangeAtom = caf::atom_constant<caf::atom("change")>;
using StopAtom = caf::atom_constant<caf::atom("stop")>;

struct Config {
  size_t threads = 2;
  double scale = 1.0;
  uint64_t scaled(uint64_t n) const {
    const auto value = static_cast<uint64_t>(static_cast<double>(n) * scale);
    return value == 0 ? 1 : value;
  }
};

// One actor system per workload, with the worker count set explicitly.
struct System {
  explicit System(const Config& config) : system(configure(cfg, config)) {}
  static caf::actor_system_config& configure(caf::actor_system_config& cfg,
                                             const Config& config) {
    cfg.set("scheduler.max-threads", config.threads);
    return cfg;
  }
  caf::actor_system_config cfg;
  caf::actor_system system;
};

// "caf WORKLOAD threads=T PARAMS msgs=M seconds=S msgs_per_sec=R check=ok";
// `unit` names the counted thing ("msgs" or "actors").
void report_rate(const char* workload, const Config& config,
                 const std::string& params, const char* unit, uint64_t count,
                 double seconds, bool ok) {
  const bool print_count = std::string(unit) != "actors";  // n= already says it
  std::printf("caf %s threads=%zu %s", workload, config.threads,
              params.c_str());
  if (print_count)
    std::printf(" %s=%llu", unit, static_cast<unsigned long long>(count));
  std::printf(" seconds=%.4f %s_per_sec=%.4g check=%s\n", seconds, unit,
              static_cast<double>(count) / seconds, ok ? "ok" : "FAIL");
  std::fflush(stdout);
}

std::string param(const char* key, uint64_t value) {
  return std::string(key) + "=" + std::to_string(value);
}

void fail(const char* workload, const std::string& what) {
  std::fprintf(stderr, "caf %s: %s\n", workload, what.c_str());
}

// The main thread's handle, given to the actor that reports the end.
caf::actor handle_of(caf::scoped_actor& self) {
  return caf::actor_cast<caf::actor>(self);
}

// Blocks the main thread until (done, value) arrives, and returns the value.
uint64_t await_done(caf::scoped_actor& self) {
  uint64_t value = 0;
  self->receive([&](DoneAtom, uint64_t v) { value = v; });
  return value;
}

// Asks `actor` for (count) and returns the reply, or `fallback` on an error.
template <class... Ts>
std::tuple<Ts...> ask_counts(caf::scoped_actor& self, const caf::actor& actor,
                             std::tuple<Ts...> fallback) {
  std::tuple<Ts...> result = fallback;
  self->request(actor, caf::infinite, CountAtom::value)
      .receive([&](Ts... values) { result = std::make_tuple(values...); },
               [&](caf::error&) {});
  return result;
}

// ---------------------------------------------------------------------------
// 1. pingpong: (ping, k) for k = 1..N one at a time, answered by (pong, k).

struct PongState {
  uint64_t pings = 0;
};

caf::behavior pong_actor(caf::stateful_actor<PongState>* self) {
  return {
      [=](PingAtom, uint64_t k) {
        ++self->state.pings;
        return std::make_tuple(PongAtom::value, k);  // reply to the sender
      },
      [=](CountAtom) {
        const uint64_t pings = self->state.pings;
        self->quit();
        return std::make_tuple(pings);
      },
  };
}

struct PingState {
  uint64_t pongs = 0;
  bool in_order = true;
};

caf::behavior ping_actor(caf::stateful_actor<PingState>* self,
                         const caf::actor& pong, uint64_t n,
                         const caf::actor& reporter) {
  return {
      [=](StartAtom) { self->send(pong, PingAtom::value, uint64_t{1}); },
      [=](PongAtom, uint64_t k) {
        PingState& state = self->state;
        ++state.pongs;
        if (k != state.pongs) state.in_order = false;
        if (k < n) {
          self->send(pong, PingAtom::value, k + 1);
        } else {
          self->send(reporter, DoneAtom::value,
                     state.in_order ? state.pongs : 0);
          self->quit();
        }
      },
  };
}

bool pingpong(const Config& config) {
  const uint64_t n = config.scaled(1'000'000);
  System sys(config);
  caf::scoped_actor self{sys.system};
  const caf::actor pong = sys.system.spawn(pong_actor);
  const caf::actor ping =
      sys.system.spawn(ping_actor, pong, n, handle_of(self));
  const auto clock = Stopwatch::start();
  self->send(ping, StartAtom::value);
  const uint64_t pongs = await_done(self);
  const double seconds = clock.seconds();
  const auto [pings] = ask_counts(self, pong, std::make_tuple(uint64_t{0}));
  const bool ok = pongs == n && pings == n;
  if (!ok)
    fail("pingpong",
         "pongs=" + std::to_string(pongs) + " pings=" + std::to_string(pings));
  report_rate("pingpong", config, param("n", n), "msgs", 2 * n, seconds, ok);
  return ok;
}

// ---------------------------------------------------------------------------
// 2. counting: N increments in one handler, then a request for the total.

struct CounterState {
  uint64_t count = 0;
};

caf::behavior counter_actor(caf::stateful_actor<CounterState>* self) {
  return {
      [=](IncrAtom) { ++self->state.count; },
      [=](TotalAtom) {
        const uint64_t count = self->state.count;
        self->quit();
        return count;
      },
  };
}

caf::behavior producer_actor(caf::event_based_actor* self,
                             const caf::actor& counter, uint64_t n,
                             const caf::actor& reporter) {
  return {
      [=](StartAtom) {
        for (uint64_t i = 0; i < n; ++i) self->send(counter, IncrAtom::value);
        self->request(counter, caf::infinite, TotalAtom::value)
            .then([=](uint64_t total) {
              self->send(reporter, DoneAtom::value, total);
              self->quit();
            });
      },
  };
}

bool counting(const Config& config) {
  const uint64_t n = config.scaled(5'000'000);
  System sys(config);
  caf::scoped_actor self{sys.system};
  const caf::actor counter = sys.system.spawn(counter_actor);
  const caf::actor producer =
      sys.system.spawn(producer_actor, counter, n, handle_of(self));
  const auto clock = Stopwatch::start();
  self->send(producer, StartAtom::value);
  const uint64_t total = await_done(self);
  const double seconds = clock.seconds();
  const bool ok = total == n;
  if (!ok) fail("counting", "total=" + std::to_string(total));
  report_rate("counting", config, param("n", n), "msgs", n, seconds, ok);
  return ok;
}

// ---------------------------------------------------------------------------
// 3. threadring: a token of value T passed around R actors, value - 1 each
// hop; the holder of value 1 reports.

struct RingState {
  caf::actor next;
  uint64_t received = 0;
};

caf::behavior ring_actor(caf::stateful_actor<RingState>* self,
                         const caf::actor& reporter) {
  return {
      [=](ConnectAtom, caf::actor next) { self->state.next = std::move(next); },
      [=](TokenAtom, uint64_t value) {
        ++self->state.received;
        if (value == 1) {
          self->send(reporter, DoneAtom::value, value);
        } else {
          self->send(self->state.next, TokenAtom::value, value - 1);
        }
      },
      [=](CountAtom) {
        const uint64_t received = self->state.received;
        self->quit();
        return std::make_tuple(received);
      },
  };
}

bool threadring(const Config& config) {
  const uint64_t r = 503;
  const uint64_t t = config.scaled(5'000'000);
  System sys(config);
  caf::scoped_actor self{sys.system};
  std::vector<caf::actor> ring;
  ring.reserve(r);
  for (uint64_t i = 0; i < r; ++i)
    ring.push_back(sys.system.spawn(ring_actor, handle_of(self)));
  // Wiring, acknowledged, so that the clock starts on a closed ring.
  bool wired = true;
  for (uint64_t i = 0; i < r; ++i) {
    self->request(ring[i], caf::infinite, ConnectAtom::value, ring[(i + 1) % r])
        .receive([] {}, [&](caf::error&) { wired = false; });
  }
  const auto clock = Stopwatch::start();
  self->send(ring[0], TokenAtom::value, t);
  const uint64_t last = await_done(self);
  const double seconds = clock.seconds();
  uint64_t sum = 0;
  for (const caf::actor& actor : ring)
    sum += std::get<0>(ask_counts(self, actor, std::make_tuple(uint64_t{0})));
  const bool ok = wired && last == 1 && sum == t;
  if (!ok) fail("threadring", "counts sum to " + std::to_string(sum));
  report_rate("threadring", config, param("r", r) + " " + param("t", t), "msgs",
              t, seconds, ok);
  return ok;
}

// ---------------------------------------------------------------------------
// 4. fjcreation: N actors spawned from the main thread, each sent (go, 37.2);
// each computes sin(37.2)^2, counts itself and stops.

caf::behavior fj_actor(caf::event_based_actor* self,
                       std::atomic<uint64_t>* finished) {
  return {
      [=](GoAtom, double x) {
        const double s = std::sin(x);
        if (!(s * s > 0)) std::abort();
        finished->fetch_add(1, std::memory_order_relaxed);
        self->quit();
      },
  };
}

bool fjcreation(const Config& config) {
  const uint64_t n = config.scaled(500'000);
  System sys(config);
  std::atomic<uint64_t> finished{0};
  const auto clock = Stopwatch::start();
  for (uint64_t i = 0; i < n; ++i) {
    caf::actor actor = sys.system.spawn(fj_actor, &finished);
    caf::anon_send(actor, GoAtom::value, 37.2);
  }
  sys.system.await_all_actors_done();
  const double seconds = clock.seconds();
  const uint64_t count = finished.load();
  const size_t left = sys.system.registry().running();
  const bool ok = count == n && left == 0;
  if (!ok)
    fail("fjcreation", "finished=" + std::to_string(count) +
                           " running=" + std::to_string(left));
  report_rate("fjcreation", config, param("n", n), "actors", n, seconds, ok);
  return ok;
}

// ---------------------------------------------------------------------------
// 5. big: A actors, each with one ping outstanding at a time to a random peer
// (itself included) until it has sent M, then it reports to a sink.

struct BigState {
  std::vector<caf::actor> peers;
  XorShift64 random{1};
  uint32_t index = 0;
  uint32_t expected = 0;  // the peer of the ping outstanding
  uint64_t pings_sent = 0;
  uint64_t pongs_received = 0;
  uint64_t pings_received = 0;
  uint64_t wrong_pongs = 0;
};

void send_big_ping(caf::stateful_actor<BigState>* self) {
  BigState& state = self->state;
  state.expected =
      static_cast<uint32_t>(state.random.next() % state.peers.size());
  ++state.pings_sent;
  self->send(state.peers[state.expected], PingAtom::value);
}

caf::behavior big_actor(caf::stateful_actor<BigState>* self, uint32_t index,
                        uint64_t m, const caf::actor& sink) {
  self->state.index = index;
  self->state.random = XorShift64(SplitMix64(index).next());
  return {
      [=](PeersAtom, const std::vector<caf::actor>& peers) {
        self->state.peers = peers;
      },
      [=](StartAtom) { send_big_ping(self); },
      [=](PingAtom) {
        ++self->state.pings_received;
        return std::make_tuple(PongAtom::value, self->state.index);
      },
      [=](PongAtom, uint32_t from) {
        BigState& state = self->state;
        ++state.pongs_received;
        if (from != state.expected) ++state.wrong_pongs;
        if (state.pings_sent < m) {
          send_big_ping(self);
        } else {
          self->send(sink, DoneAtom::value, uint64_t{1});
        }
      },
      [=](CountAtom) {
        const BigState& state = self->state;
        auto counts = std::make_tuple(state.pings_sent, state.pongs_received,
                                      state.pings_received, state.wrong_pongs);
        self->quit();
        return counts;
      },
  };
}

struct SinkState {
  uint64_t reports = 0;
};

caf::behavior big_sink(caf::stateful_actor<SinkState>* self, uint64_t actors,
                       const caf::actor& reporter) {
  return {
      [=](DoneAtom, uint64_t) {
        if (++self->state.reports == actors) {
          self->send(reporter, DoneAtom::value, self->state.reports);
          self->quit();
        }
      },
  };
}

bool big(const Config& config) {
  const uint64_t a = 1'000;
  const uint64_t m = config.scaled(2'000);
  System sys(config);
  caf::scoped_actor self{sys.system};
  const caf::actor sink = sys.system.spawn(big_sink, a, handle_of(self));
  std::vector<caf::actor> actors;
  actors.reserve(a);
  for (uint64_t i = 0; i < a; ++i)
    actors.push_back(
        sys.system.spawn(big_actor, static_cast<uint32_t>(i), m, sink));
  // Wiring, acknowledged: every actor holds every handle before the clock.
  bool wired = true;
  const caf::message peers = caf::make_message(PeersAtom::value, actors);
  for (const caf::actor& actor : actors) {
    self->request(actor, caf::infinite, peers)
        .receive([] {}, [&](caf::error&) { wired = false; });
  }
  const auto clock = Stopwatch::start();
  for (const caf::actor& actor : actors) self->send(actor, StartAtom::value);
  const uint64_t reports = await_done(self);
  const double seconds = clock.seconds();
  uint64_t sent = 0, pongs = 0, pings = 0, wrong = 0;
  for (const caf::actor& actor : actors) {
    const auto [s, po, pi, w] = ask_counts(
        self, actor,
        std::make_tuple(uint64_t{0}, uint64_t{0}, uint64_t{0}, uint64_t{1}));
    sent += s;
    pongs += po;
    pings += pi;
    wrong += w;
  }
  const bool ok = wired && reports == a && sent == a * m && pongs == a * m &&
                  pings == a * m && wrong == 0;
  if (!ok)
    fail("big", "sent=" + std::to_string(sent) + " pongs=" +
                    std::to_string(pongs) + " pings=" + std::to_string(pings) +
                    " wrong=" + std::to_string(wrong));
  report_rate("big", config, param("a", a) + " " + param("m", m), "msgs",
              2 * a * m, seconds, ok);
  return ok;
}

// ---------------------------------------------------------------------------
// 6. chameneos: a mall pairs meeting requests until M meetings happened, then
// answers each further request with (stop); each chameneo reports its
// meetings to the mall, which tells the main thread the sum (as in Savina:
// 2M + C requests, M forwards, M changes, C stops, C reports).

enum Color : int { kBlue = 0, kRed = 1, kYellow = 2 };

int complement(int a, int b) { return a == b ? a : 3 - a - b; }

struct ChameneoState {
  int color = kBlue;
  uint64_t meetings = 0;
};

caf::behavior chameneo_actor(caf::stateful_actor<ChameneoState>* self,
                             const caf::actor& mall, int color) {
  self->state.color = color;
  return {
      [=](StartAtom) {
        self->send(mall, MeetAtom::value, caf::actor_cast<caf::actor>(self),
                   self->state.color);
      },
      // The mall forwarded a partner's request: meet it and tell it.
      [=](MeetAtom, const caf::actor& partner, int partner_color) {
        ChameneoState& state = self->state;
        state.color = complement(state.color, partner_color);
        ++state.meetings;
        self->send(partner, ChangeAtom::value, state.color);
        self->send(mall, MeetAtom::value, caf::actor_cast<caf::actor>(self),
                   state.color);
      },
      [=](ChangeAtom, int new_color) {
        ChameneoState& state = self->state;
        state.color = new_color;
        ++state.meetings;
        self->send(mall, MeetAtom::value, caf::actor_cast<caf::actor>(self),
                   state.color);
      },
      [=](StopAtom) {
        self->send(mall, CountAtom::value, self->state.meetings);
        self->quit();
      },
  };
}

struct MallState {
  uint64_t remaining = 0;
  caf::actor waiting;  // a request not yet paired
  uint64_t stopped = 0;
  uint64_t meetings = 0;
};

caf::behavior mall_actor(caf::stateful_actor<MallState>* self,
                         uint64_t meetings, uint64_t chameneos,
                         const caf::actor& reporter) {
  self->state.remaining = meetings;
  return {
      [=](MeetAtom, caf::actor who, int color) {
        MallState& state = self->state;
        if (state.remaining == 0) {
          self->send(who, StopAtom::value);
        } else if (!state.waiting) {
          state.waiting = std::move(who);
        } else {
          --state.remaining;
          self->send(state.waiting, MeetAtom::value, std::move(who), color);
          state.waiting = nullptr;
        }
      },
      [=](CountAtom, uint64_t meetings_of_one) {
        MallState& state = self->state;
        state.meetings += meetings_of_one;
        if (++state.stopped == chameneos) {
          self->send(reporter, DoneAtom::value, state.meetings);
          self->quit();
        }
      },
  };
}

bool chameneos(const Config& config) {
  const uint64_t c = 100;
  const uint64_t m = config.scaled(1'000'000);
  System sys(config);
  caf::scoped_actor self{sys.system};
  const caf::actor mall = sys.system.spawn(mall_actor, m, c, handle_of(self));
  std::vector<caf::actor> chameneos;
  chameneos.reserve(c);
  for (uint64_t i = 0; i < c; ++i)
    chameneos.push_back(
        sys.system.spawn(chameneo_actor, mall, static_cast<int>(i % 3)));
  const auto clock = Stopwatch::start();
  for (const caf::actor& chameneo : chameneos)
    self->send(chameneo, StartAtom::value);
  const uint64_t meetings = await_done(self);
  const double seconds = clock.seconds();
  const bool ok = meetings == 2 * m;
  if (!ok) fail("chameneos", "meetings sum to " + std::to_string(meetings));
  report_rate("chameneos", config, param("c", c) + " " + param("m", m), "msgs",
              4 * m + 3 * c, seconds, ok);
  return ok;
}

// ---------------------------------------------------------------------------
// 7. idlemem: resident memory per idle actor (spawned, started, waiting for a
// message), from /proc/self/statm.

size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

caf::behavior idle_actor(caf::event_based_actor* self,
                         std::atomic<uint64_t>* started,
                         std::atomic<uint64_t>* stopped) {
  // Runs when the scheduler first runs the actor (spawn is not lazy).
  started->fetch_add(1, std::memory_order_relaxed);
  return {
      [=](StopAtom) {
        stopped->fetch_add(1, std::memory_order_relaxed);
        self->quit();
      },
  };
}

bool idlemem(const Config& config) {
  const uint64_t n = config.scaled(1'000'000);
  System sys(config);
  std::atomic<uint64_t> started{0};
  std::atomic<uint64_t> stopped{0};
  // The array of references, allocated and touched first (not counted).
  std::vector<caf::actor> actors(n);
  // Hand the memory that earlier workloads of this process freed back to the
  // kernel: otherwise the actors reuse resident pages and the delta reads low
  // (~700 instead of ~1,230 bytes per actor after the other six workloads).
  malloc_trim(0);
  const size_t before = resident_bytes();
  for (uint64_t i = 0; i < n; ++i)
    actors[i] = sys.system.spawn(idle_actor, &started, &stopped);
  while (started.load() < n)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const size_t after = resident_bytes();
  const double per_actor =
      (static_cast<double>(after) - static_cast<double>(before)) /
      static_cast<double>(n);
  for (const caf::actor& actor : actors) caf::anon_send(actor, StopAtom::value);
  actors.clear();
  sys.system.await_all_actors_done();
  const bool ok = started.load() == n && stopped.load() == n;
  if (!ok)
    fail("idlemem", "started=" + std::to_string(started.load()) +
                        " stopped=" + std::to_string(stopped.load()));
  std::printf("caf idlemem threads=%zu n=%llu bytes_per_actor=%.0f check=%s\n",
              config.threads, static_cast<unsigned long long>(n), per_actor,
              ok ? "ok" : "FAIL");
  std::fflush(stdout);
  return ok;
}

struct NamedWorkload {
  const char* name;
  bool (*run)(const Config&);
};

constexpr NamedWorkload kWorkloads[] = {
    {"pingpong", pingpong},
    {"counting", counting},
    {"threadring", threadring},
    {"fjcreation", fjcreation},
    {"big", big},
    {"chameneos", chameneos},
    {"idlemem", idlemem},
};

}  // namespace
}  // namespace gale::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  gale::bench::Config config;
  const int threads = absl::GetFlag(FLAGS_threads);
  if (threads < 1) {
    std::fprintf(stderr, "--threads must be at least 1\n");
    return 2;
  }
  config.threads = static_cast<size_t>(threads);
  config.scale = absl::GetFlag(FLAGS_n_scale);
  const std::string wanted = absl::GetFlag(FLAGS_workload);
  bool ok = true;
  bool found = false;
  for (const auto& workload : gale::bench::kWorkloads) {
    if (wanted == "all" || wanted == workload.name) {
      found = true;
      ok = workload.run(config) && ok;
    }
  }
  if (!found) {
    std::fprintf(stderr, "unknown --workload=%s\n", wanted.c_str());
    return 2;
  }
  return ok ? 0 : 1;
}
