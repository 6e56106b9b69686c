// Reactor fd handlers over real pipes: readiness, interest changes, removal
// from inside the handler, stale events, and errors returned as statuses.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include "reactor/reactor.h"
#include "tests/reactor/pipe.h"
#include "tests/reactor/reactor_fixture.h"

namespace gale {
namespace {

using IoHandlersTest = testing::ReactorTest;

using testing::Pipe;

TEST_P(IoHandlersTest, PipeBecomesReadable) {
  Pipe pipe;
  std::string received;
  ASSERT_TRUE(reactor()
                  .add_handler(pipe.read_end(), kReadable,
                               [&](IoEvents events) {
                                 EXPECT_TRUE(events & kReadable);
                                 char buffer[16];
                                 const ssize_t n =
                                     ::read(pipe.read_end(), buffer, 16);
                                 received.append(buffer, n > 0 ? n : 0);
                                 reactor().stop();
                               })
                  .ok());
  reactor().call_later(std::chrono::milliseconds(1), [&] {
    ASSERT_EQ(::write(pipe.write_end(), "hi", 2), 2);
  });
  reactor().run();
  EXPECT_EQ(received, "hi");
  EXPECT_TRUE(reactor().remove_handler(pipe.read_end()).ok());
}

TEST_P(IoHandlersTest, AddingTwiceIsAnErrorNotACrash) {
  Pipe pipe;
  ASSERT_TRUE(
      reactor().add_handler(pipe.read_end(), kReadable, [](IoEvents) {}).ok());
  const absl::Status again =
      reactor().add_handler(pipe.read_end(), kReadable, [](IoEvents) {});
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_TRUE(reactor().remove_handler(pipe.read_end()).ok());
}

TEST_P(IoHandlersTest, BadDescriptorsAndUnknownOnesGiveStatuses) {
  EXPECT_EQ(reactor().add_handler(-1, kReadable, [](IoEvents) {}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(reactor().remove_handler(12345).code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(reactor().update_handler(12345, kReadable).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(IoHandlersTest, EpollRejectsARegularFileWithAStatus) {
  if (GetParam() != SelectorBackend::kEpoll)
    GTEST_SKIP() << "poll accepts files";
  const int fd = ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const absl::Status status =
      reactor().add_handler(fd, kReadable, [](IoEvents) {});
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
  // The failed registration left nothing behind: the fd can be tried again.
  EXPECT_EQ(reactor().remove_handler(fd).code(), absl::StatusCode::kNotFound);
  ::close(fd);
}

TEST_P(IoHandlersTest, RemoveInsideItsOwnCallback) {
  Pipe pipe;
  int calls = 0;
  ASSERT_EQ(::write(pipe.write_end(), "x", 1),
            1);  // stays readable: level-triggered
  ASSERT_TRUE(
      reactor()
          .add_handler(pipe.read_end(), kReadable,
                       [&, guard = std::make_unique<int>(7)](IoEvents) {
                         ++calls;
                         EXPECT_TRUE(
                             reactor().remove_handler(pipe.read_end()).ok());
                         EXPECT_EQ(*guard, 7);  // still alive after removal
                       })
          .ok());
  reactor().call_later(std::chrono::milliseconds(5), [&] { reactor().stop(); });
  reactor().run();
  EXPECT_EQ(calls, 1);
}

// A handler that removes another descriptor and registers it again must not see
// the old registration's event from the same batch (libuv's stale-event rule):
// the new handler runs, but only from the next iteration on.
TEST_P(IoHandlersTest, StaleEventOfAReplacedRegistrationIsDropped) {
  Pipe first;
  Pipe second;
  ASSERT_EQ(::write(first.write_end(), "x", 1), 1);
  ASSERT_EQ(::write(second.write_end(), "x", 1), 1);
  uint64_t replaced_in = 0;
  uint64_t new_handler_in = 0;
  auto replace_other = [&](int self, int other) {
    return [&, self, other](IoEvents) {
      if (replaced_in != 0) return;
      replaced_in = reactor().stats().iterations;
      ASSERT_TRUE(reactor().remove_handler(other).ok());
      ASSERT_TRUE(reactor().remove_handler(self).ok());
      ASSERT_TRUE(
          reactor()
              .add_handler(other, kReadable,
                           [&, other](IoEvents) {
                             new_handler_in = reactor().stats().iterations;
                             EXPECT_TRUE(reactor().remove_handler(other).ok());
                             reactor().stop();
                           })
              .ok());
    };
  };
  ASSERT_TRUE(
      reactor()
          .add_handler(first.read_end(), kReadable,
                       replace_other(first.read_end(), second.read_end()))
          .ok());
  ASSERT_TRUE(
      reactor()
          .add_handler(second.read_end(), kReadable,
                       replace_other(second.read_end(), first.read_end()))
          .ok());
  reactor().run();
  ASSERT_NE(replaced_in, 0u);
  EXPECT_GT(new_handler_in, replaced_in);
}

TEST_P(IoHandlersTest, UpdateHandlerChangesInterest) {
  Pipe pipe;
  std::vector<IoEvents> seen;
  ASSERT_TRUE(
      reactor()
          .add_handler(
              pipe.write_end(), kNoEvents,
              [&](IoEvents events) {
                seen.push_back(events);
                EXPECT_TRUE(
                    reactor().update_handler(pipe.write_end(), kNoEvents).ok());
              })
          .ok());
  // Nothing is asked for: an empty pipe's write end is writable but not
  // reported.
  reactor().call_later(std::chrono::milliseconds(3), [&] {
    EXPECT_TRUE(seen.empty());
    EXPECT_TRUE(reactor().update_handler(pipe.write_end(), kWritable).ok());
  });
  reactor().call_later(std::chrono::milliseconds(10),
                       [&] { reactor().stop(); });
  reactor().run();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], kWritable);
  EXPECT_TRUE(reactor().remove_handler(pipe.write_end()).ok());
}

TEST_P(IoHandlersTest, HangUpIsReportedAsAnError) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  IoEvents seen = kNoEvents;
  ASSERT_TRUE(reactor()
                  .add_handler(fds[0], kReadable,
                               [&](IoEvents events) {
                                 seen = events;
                                 EXPECT_TRUE(
                                     reactor().remove_handler(fds[0]).ok());
                                 reactor().stop();
                               })
                  .ok());
  ::close(fds[1]);
  reactor().run();
  EXPECT_TRUE(seen & kIoError);
  ::close(fds[0]);
}

TEST_P(IoHandlersTest, ThrowingHandlerIsReportedAndTheLoopGoesOn) {
  Pipe pipe;
  int exceptions = 0;
  ReactorOptions options;
  options.on_exception = [&](const CallbackFailure&) { ++exceptions; };
  Reactor& r = recreate(std::move(options));
  ASSERT_EQ(::write(pipe.write_end(), "x", 1), 1);
  ASSERT_TRUE(r.add_handler(pipe.read_end(), kReadable, [&](IoEvents) {
                 EXPECT_TRUE(r.remove_handler(pipe.read_end()).ok());
                 throw std::runtime_error("handler failed");
               }).ok());
  r.call_later(std::chrono::milliseconds(2), [&] { r.stop(); });
  r.run();
  EXPECT_EQ(exceptions, 1);
}

// A watcher lives in its owner; the reactor calls it with its context.
struct PipeReader {
  explicit PipeReader(Reactor& r, int fd)
      : reactor(r), fd(fd), watcher(&PipeReader::on_io, this) {}
  static void on_io(void* self, IoEvents events) {
    auto* reader = static_cast<PipeReader*>(self);
    EXPECT_TRUE(events & kReadable);
    char buffer[16];
    const ssize_t n = ::read(reader->fd, buffer, sizeof(buffer));
    reader->received.append(buffer, n > 0 ? n : 0);
    // A copy: the callback may delete the reader, and with it `on_read`.
    if (std::function<void(PipeReader*)> then = reader->on_read) then(reader);
  }
  Reactor& reactor;
  int fd;
  std::string received;
  std::function<void(PipeReader*)> on_read;
  FdWatcher watcher;
};

TEST_P(IoHandlersTest, WatcherIsCalledWithItsContext) {
  Pipe pipe;
  PipeReader reader(reactor(), pipe.read_end());
  reader.on_read = [&](PipeReader*) { reactor().stop(); };
  ASSERT_TRUE(
      reactor().add_watcher(pipe.read_end(), kReadable, reader.watcher).ok());
  reactor().call_later(std::chrono::milliseconds(1), [&] {
    ASSERT_EQ(::write(pipe.write_end(), "hi", 2), 2);
  });
  reactor().run();
  EXPECT_EQ(reader.received, "hi");
  // Interest changes and removal work as for add_handler.
  EXPECT_TRUE(reactor().update_handler(pipe.read_end(), kNoEvents).ok());
  EXPECT_TRUE(reactor().remove_handler(pipe.read_end()).ok());
  EXPECT_EQ(reactor().remove_handler(pipe.read_end()).code(),
            absl::StatusCode::kNotFound);
}

TEST_P(IoHandlersTest, WatcherAndHandlerShareTheOneRegistrationPerFd) {
  Pipe pipe;
  PipeReader reader(reactor(), pipe.read_end());
  ASSERT_TRUE(
      reactor().add_handler(pipe.read_end(), kReadable, [](IoEvents) {}).ok());
  EXPECT_EQ(
      reactor().add_watcher(pipe.read_end(), kReadable, reader.watcher).code(),
      absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(reactor().add_watcher(-1, kReadable, reader.watcher).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(reactor().remove_handler(pipe.read_end()).ok());
  EXPECT_TRUE(
      reactor().add_watcher(pipe.read_end(), kReadable, reader.watcher).ok());
  EXPECT_TRUE(reactor().remove_handler(pipe.read_end()).ok());
}

// The owner removes its descriptor and frees itself (watcher included) from
// inside the callback, while a second ready descriptor of the same batch
// follows: the reactor touches the freed watcher no more (ASan checks).
TEST_P(IoHandlersTest, WatcherOwnerMayDestroyItselfInItsCallback) {
  Pipe first;
  Pipe second;
  int destroyed = 0;
  auto on_read = [&](PipeReader* self) {
    EXPECT_TRUE(reactor().remove_handler(self->fd).ok());
    delete self;
    if (++destroyed == 2) reactor().stop();
  };
  for (Pipe* pipe : {&first, &second}) {
    auto* reader = new PipeReader(reactor(), pipe->read_end());
    reader->on_read = on_read;
    ASSERT_TRUE(reactor()
                    .add_watcher(pipe->read_end(), kReadable, reader->watcher)
                    .ok());
    ASSERT_EQ(::write(pipe->write_end(), "x", 1), 1);
  }
  reactor().run();
  EXPECT_EQ(destroyed, 2);
}

// Removing a handler just before closing its descriptor skips the selector's
// call; the descriptor's number, reused at once, registers and works anew.
TEST_P(IoHandlersTest, RemoveBeforeCloseLetsTheNumberBeReused) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
  ASSERT_EQ(::write(fds[1], "x", 1), 1);  // readable, were it still watched
  ASSERT_TRUE(
      reactor().add_handler(fds[0], kReadable, [](IoEvents) { FAIL(); }).ok());
  ASSERT_TRUE(reactor().remove_handler_before_close(fds[0]).ok());
  EXPECT_EQ(reactor().remove_handler_before_close(fds[0]).code(),
            absl::StatusCode::kNotFound);
  const int old_number = fds[0];
  ::close(fds[0]);
  ::close(fds[1]);
  Pipe pipe;  // takes the lowest free numbers: the ones just closed
  EXPECT_EQ(pipe.read_end(), old_number);
  std::string received;
  ASSERT_TRUE(reactor()
                  .add_handler(pipe.read_end(), kReadable,
                               [&](IoEvents) {
                                 char byte;
                                 if (::read(pipe.read_end(), &byte, 1) == 1) {
                                   received += byte;
                                 }
                                 reactor().stop();
                               })
                  .ok());
  ASSERT_EQ(::write(pipe.write_end(), "y", 1), 1);
  reactor().run();
  EXPECT_EQ(received, "y");
  EXPECT_TRUE(reactor().remove_handler(pipe.read_end()).ok());
}

GALE_INSTANTIATE_FOR_BOTH_BACKENDS(IoHandlersTest);

}  // namespace
}  // namespace gale
