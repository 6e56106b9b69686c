// A GoogleTest fixture that runs each reactor test against both selector
// backends and proves at teardown that the reactor left no descriptor open
// (libuv's MAKE_VALGRIND_HAPPY idea).
#ifndef GALE_TESTS_REACTOR_REACTOR_FIXTURE_H_
#define GALE_TESTS_REACTOR_REACTOR_FIXTURE_H_

#include <dirent.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "reactor/reactor.h"

namespace gale::testing {

inline int count_open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int count = 0;
  while (::readdir(dir) != nullptr) ++count;
  ::closedir(dir);
  return count;
}

class ReactorTest : public ::testing::TestWithParam<SelectorBackend> {
 protected:
  void SetUp() override {
    fds_before_ = count_open_fds();
    reactor_ = make_reactor();
  }

  void TearDown() override {
    reactor_.reset();
    EXPECT_EQ(count_open_fds(), fds_before_) << "a descriptor leaked";
  }

  // Replaces the fixture's reactor with one built from `options` (the backend
  // is the test's parameter). The old one goes first: one reactor per thread.
  Reactor& recreate(ReactorOptions options) {
    reactor_.reset();
    reactor_ = make_reactor(std::move(options));
    return *reactor_;
  }

  std::unique_ptr<Reactor> make_reactor(ReactorOptions options = {}) {
    options.backend = GetParam();
    absl::StatusOr<std::unique_ptr<Reactor>> reactor =
        Reactor::create(std::move(options));
    EXPECT_TRUE(reactor.ok()) << reactor.status();
    return *std::move(reactor);
  }

  Reactor& reactor() { return *reactor_; }

 private:
  int fds_before_ = 0;
  std::unique_ptr<Reactor> reactor_;
};

inline std::string backend_name(
    const ::testing::TestParamInfo<SelectorBackend>& info) {
  return info.param == SelectorBackend::kEpoll ? "Epoll" : "Poll";
}

}  // namespace gale::testing

#define GALE_INSTANTIATE_FOR_BOTH_BACKENDS(suite)                             \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                   \
                           ::testing::Values(::gale::SelectorBackend::kEpoll, \
                                             ::gale::SelectorBackend::kPoll), \
                           ::gale::testing::backend_name)

#endif  // GALE_TESTS_REACTOR_REACTOR_FIXTURE_H_
