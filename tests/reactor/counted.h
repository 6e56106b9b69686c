// Counted: a test value that counts its live instances, moved-from ones
// included, from any thread. A destructor run twice on one object, or never,
// leaves the count off zero — what the tests of the reactor's inbound queue
// (which leaves some moved-from slots unwritten) check for.
#ifndef GALE_TESTS_REACTOR_COUNTED_H_
#define GALE_TESTS_REACTOR_COUNTED_H_

#include <atomic>

namespace gale::testing {

struct Counted {
  explicit Counted(std::atomic<int>* live) : live(live) { ++*live; }
  Counted(Counted&& other) noexcept : live(other.live) { ++*live; }
  Counted& operator=(Counted&&) = delete;
  ~Counted() { --*live; }
  std::atomic<int>* live;
};

}  // namespace gale::testing

#endif  // GALE_TESTS_REACTOR_COUNTED_H_
