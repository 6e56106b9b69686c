// A non-blocking pipe that closes both ends when it goes out of scope, for
// tests that need a real descriptor to become readable.
#ifndef GALE_TESTS_REACTOR_PIPE_H_
#define GALE_TESTS_REACTOR_PIPE_H_

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace gale::testing {

struct Pipe {
  Pipe() { EXPECT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0); }
  ~Pipe() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  int read_end() const { return fds[0]; }
  int write_end() const { return fds[1]; }

  int fds[2] = {-1, -1};
};

}  // namespace gale::testing

#endif  // GALE_TESTS_REACTOR_PIPE_H_
