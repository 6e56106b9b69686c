// wait_for_io(): readiness, cancellation and teardown give the fd back.
#include "reactor/io_wait.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "reactor/sleep.h"
#include "reactor/spawn.h"
#include "reactor/when.h"
#include "tests/reactor/pipe.h"
#include "tests/reactor/reactor_fixture.h"

namespace gale {
namespace {

using std::chrono::milliseconds;
using IoWaitTest = testing::ReactorTest;

using testing::Pipe;

TEST_P(IoWaitTest, ResumesWhenReadableAndUnregisters) {
  Pipe pipe;
  auto reader = [&]() -> Task<IoEvents> {
    IoEvents events = co_await wait_for_io(pipe.read_end(), kReadable);
    co_return events;
  };
  reactor().call_later(milliseconds(1), [&] {
    ASSERT_EQ(::write(pipe.write_end(), "x", 1), 1);
  });
  EXPECT_TRUE(run_until_complete(reactor(), reader()) & kReadable);
  // The registration is gone: the fd can be registered again.
  EXPECT_TRUE(
      reactor().add_handler(pipe.read_end(), kReadable, [](IoEvents) {}).ok());
  EXPECT_TRUE(reactor().remove_handler(pipe.read_end()).ok());
}

TEST_P(IoWaitTest, CancellationFreesTheRegistration) {
  Pipe pipe;
  auto body = [&]() -> Task<absl::Status> {
    co_return co_await with_timeout(milliseconds(2), [](int fd) -> Task<void> {
      co_await wait_for_io(fd, kReadable);  // never readable
    }(pipe.read_end()));
  };
  EXPECT_EQ(run_until_complete(reactor(), body()).code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(
      reactor().add_handler(pipe.read_end(), kReadable, [](IoEvents) {}).ok());
  EXPECT_TRUE(reactor().remove_handler(pipe.read_end()).ok());
}

TEST_P(IoWaitTest, AlreadyRegisteredDescriptorThrowsStatusError) {
  Pipe pipe;
  ASSERT_TRUE(
      reactor().add_handler(pipe.read_end(), kReadable, [](IoEvents) {}).ok());
  auto body = [&]() -> Task<void> {
    co_await wait_for_io(pipe.read_end(), kReadable);
  };
  try {
    run_until_complete(reactor(), body());
    FAIL() << "expected StatusError";
  } catch (const StatusError& e) {
    EXPECT_EQ(e.status().code(), absl::StatusCode::kAlreadyExists);
  }
  EXPECT_TRUE(reactor().remove_handler(pipe.read_end()).ok());
}

// The fixture checks at teardown that no descriptor leaked; the reactor
// destroying the suspended task must remove its registration first.
TEST_P(IoWaitTest, ReactorTeardownRemovesTheRegistration) {
  Pipe pipe;
  auto waiter = [&]() -> Task<void> {
    co_await wait_for_io(pipe.read_end(), kReadable);
  };
  spawn(reactor(), waiter());
  reactor().call_later(milliseconds(1), [&] { reactor().stop(); });
  reactor().run();
  recreate({});
}

GALE_INSTANTIATE_FOR_BOTH_BACKENDS(IoWaitTest);

}  // namespace
}  // namespace gale
