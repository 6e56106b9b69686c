// IOStream over a real loopback TCP connection: the stream on one end, a plain
// socket on the other, both driven by one reactor on the test thread.
#include "net/io_stream.h"

#include <gtest/gtest.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "reactor/io_wait.h"
#include "reactor/reactor.h"
#include "reactor/sleep.h"
#include "reactor/spawn.h"
#include "reactor/task.h"
#include "tests/net/net_fixture.h"

namespace gale {
namespace {

using ::gale::testing::pattern;
using ::gale::testing::SocketPair;
using ::gale::testing::tcp_pair;
using ::gale::testing::write_all;

class IOStreamTest : public ::gale::testing::ReactorNetTest {
 protected:
  void SetUp() override {
    ReactorNetTest::SetUp();
    pair_ = tcp_pair();
    peer_ = pair_.first.get();
  }

  IOStream open(const IOStreamOptions& options = {}) {
    return stream_over(std::move(pair_.second), options);
  }

  SocketPair pair_;
  int peer_ = -1;  // the plain socket at the other end
};

// Writes `bytes` one byte per segment (TCP_NODELAY), a reactor turn apart.
Task<void> trickle(int fd, std::string bytes) {
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
  for (char byte : bytes) {
    EXPECT_TRUE(write_all(fd, std::string_view(&byte, 1)));
    co_await yield();
  }
}

// Reads from a plain non-blocking socket until `count` bytes came, `chunk` at
// a time, a reactor turn apart: a slow reader.
Task<std::string> drain(int fd, size_t count, size_t chunk) {
  std::string got;
  std::vector<char> buffer(chunk);
  while (got.size() < count) {
    const ssize_t n = ::recv(fd, buffer.data(), chunk, MSG_DONTWAIT);
    if (n > 0) {
      got.append(buffer.data(), static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else {
      co_await wait_for_io(fd, kReadable);
      continue;
    }
    co_await yield();
  }
  co_return got;
}

TEST_F(IOStreamTest, ReadSomeReturnsWhatHasArrived) {
  IOStream stream = open();
  ASSERT_TRUE(write_all(peer_, "hello"));
  auto got = run([&]() -> Task<std::string> {
    absl::StatusOr<std::string_view> bytes = co_await stream.read_some();
    co_return bytes.ok() ? std::string(*bytes) : bytes.status().ToString();
  }());
  EXPECT_EQ(got, "hello");
}

TEST_F(IOStreamTest, ReadBytesAssemblesOneByteSegments) {
  IOStream stream = open();
  const std::string sent = pattern(1000);
  spawn(*reactor_, trickle(peer_, sent));
  auto got = run([&]() -> Task<std::string> {
    absl::StatusOr<std::string_view> bytes = co_await stream.read_bytes(1000);
    co_return bytes.ok() ? std::string(*bytes) : bytes.status().ToString();
  }());
  EXPECT_EQ(got, sent);
}

TEST_F(IOStreamTest, ReadUntilFindsDelimitersSplitAcrossSegments) {
  IOStream stream = open();
  spawn(*reactor_, trickle(peer_, "line one\r\nline two\r\ntail"));
  auto lines = run([&]() -> Task<std::vector<std::string>> {
    std::vector<std::string> lines;
    for (int i = 0; i < 2; ++i) {
      absl::StatusOr<std::string_view> line =
          co_await stream.read_until("\r\n", 100);
      lines.push_back(line.ok() ? std::string(*line)
                                : line.status().ToString());
    }
    co_return lines;
  }());
  EXPECT_EQ(lines, (std::vector<std::string>{"line one\r\n", "line two\r\n"}));
}

TEST_F(IOStreamTest, ViewsStayValidUntilTheNextRead) {
  IOStream stream = open();
  ASSERT_TRUE(write_all(peer_, "abcdef"));
  run([&]() -> Task<void> {
    absl::StatusOr<std::string_view> first = co_await stream.read_bytes(3);
    EXPECT_TRUE(first.ok());
    if (!first.ok()) co_return;
    const std::string copy(*first);
    EXPECT_EQ(*first, "abc");
    absl::StatusOr<std::string_view> second = co_await stream.read_bytes(3);
    EXPECT_TRUE(second.ok());
    if (!second.ok()) co_return;
    EXPECT_EQ(copy, "abc");
    EXPECT_EQ(*second, "def");
  }());
}

TEST_F(IOStreamTest, ReadUntilWithoutDelimiterWithinMaxFailsAndCloses) {
  IOStream stream = open();
  ASSERT_TRUE(write_all(peer_, std::string(100, 'x')));
  absl::Status status = run([&]() -> Task<absl::Status> {
    co_return (co_await stream.read_until("\n", 50)).status();
  }());
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_TRUE(stream.closed());
  EXPECT_TRUE(testing::peer_closed(peer_));
}

TEST_F(IOStreamTest, ReadBeyondMaxBufferSizeFailsAndCloses) {
  IOStreamOptions options;
  options.max_buffer_size = 1024;
  IOStream stream = open(options);
  absl::Status status = run([&]() -> Task<absl::Status> {
    co_return (co_await stream.read_bytes(2048)).status();
  }());
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_TRUE(stream.closed());
}

TEST_F(IOStreamTest, PeerCloseComesAfterTheBufferedBytes) {
  IOStream stream = open();
  ASSERT_TRUE(write_all(peer_, "abc"));
  pair_.first.reset();
  auto results = run([&]() -> Task<std::vector<std::string>> {
    std::vector<std::string> results;
    auto two = co_await stream.read_bytes(2);
    results.push_back(two.ok() ? std::string(*two) : "error");
    auto rest = co_await stream.read_some();
    results.push_back(rest.ok() ? std::string(*rest) : "error");
    auto end = co_await stream.read_some();
    EXPECT_TRUE(is_stream_closed(end.status())) << end.status();
    results.push_back(std::string(end.status().message()));
    co_return results;
  }());
  EXPECT_EQ(results[0], "ab");
  EXPECT_EQ(results[1], "c");
  EXPECT_EQ(results[2], "stream closed: peer closed the connection");
}

TEST_F(IOStreamTest, PeerResetWhileAReadWaitsFailsTheRead) {
  IOStream stream = open();
  auto status = run([&]() -> Task<absl::Status> {
    auto reset_peer = [&]() -> Task<void> {
      co_await yield();  // the read below is waiting by now
      EXPECT_TRUE(write_all(peer_, "0123456789"));
      const linger abort_on_close{1, 0};  // close sends RST
      ::setsockopt(peer_, SOL_SOCKET, SO_LINGER, &abort_on_close,
                   sizeof(abort_on_close));
      pair_.first.reset();
    };
    spawn(*reactor_, reset_peer());
    co_return (co_await stream.read_bytes(100)).status();
  }());
  EXPECT_TRUE(is_stream_closed(status)) << status;
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(stream.closed());
}

TEST_F(IOStreamTest, ReadTimeoutFailsTheReadButKeepsTheStream) {
  IOStreamOptions options;
  options.read_timeout = std::chrono::milliseconds(20);
  IOStream stream = open(options);
  const TimePoint start = Clock::now();
  absl::Status timed_out = run([&]() -> Task<absl::Status> {
    co_return (co_await stream.read_some()).status();
  }());
  EXPECT_EQ(timed_out.code(), absl::StatusCode::kDeadlineExceeded) << timed_out;
  EXPECT_GE(Clock::now() - start, options.read_timeout);
  EXPECT_FALSE(stream.closed());
  ASSERT_TRUE(write_all(peer_, "late"));
  auto got = run([&]() -> Task<std::string> {
    auto bytes = co_await stream.read_some();
    co_return bytes.ok() ? std::string(*bytes) : bytes.status().ToString();
  }());
  EXPECT_EQ(got, "late");
}

// Reads `count` times, each read waiting for a byte the peer writes a turn
// after the read began.
Task<void> read_bytes_written_while_waiting(Reactor& reactor, IOStream& stream,
                                            int peer, int count) {
  for (int i = 0; i < count; ++i) {
    spawn(reactor, [](int fd) -> Task<void> {
      co_await yield();
      EXPECT_TRUE(write_all(fd, "x"));
    }(peer));
    absl::StatusOr<std::string_view> got = co_await stream.read_some();
    EXPECT_TRUE(got.ok()) << got.status();
    if (!got.ok()) co_return;
  }
}

TEST_F(IOStreamTest, ReadsWithATimeoutKeepOneTimerArmed) {
  IOStreamOptions options;
  options.read_timeout = std::chrono::seconds(5);
  IOStream stream = open(options);
  run(read_bytes_written_while_waiting(*reactor_, stream, peer_, 100));
  // Not a schedule and a cancel per read: the first wait's timer stays armed
  // for the waits after it.
  const ReactorStats stats = reactor_->stats();
  EXPECT_EQ(stats.timers_cancelled, 0u);
  EXPECT_EQ(stats.timers_pending, 1u);
  EXPECT_EQ(stats.timer_heap_entries, 1u);
  stream.close();
  EXPECT_EQ(reactor_->stats().timers_pending, 0u);
}

TEST_F(IOStreamTest, AReadTimesOutAtItsOwnDeadlineNotAnEarlierReadsOne) {
  IOStreamOptions options;
  options.read_timeout = std::chrono::milliseconds(60);
  IOStream stream = open(options);
  const auto waited = run([&]() -> Task<Duration> {
    // The first read waits 30 ms of its 60; its timer stays armed.
    spawn(*reactor_, [](int fd) -> Task<void> {
      co_await sleep(std::chrono::milliseconds(30));
      EXPECT_TRUE(write_all(fd, "x"));
    }(peer_));
    EXPECT_TRUE((co_await stream.read_some()).ok());
    const TimePoint start = Clock::now();
    const absl::Status second = (co_await stream.read_some()).status();
    EXPECT_EQ(second.code(), absl::StatusCode::kDeadlineExceeded) << second;
    co_return Clock::now() - start;
  }());
  EXPECT_GE(waited, options.read_timeout);
}

TEST_F(IOStreamTest, AShorterReadTimeoutMovesTheArmedTimerEarlier) {
  IOStreamOptions options;
  options.read_timeout = std::chrono::seconds(2);
  IOStream stream = open(options);
  run(read_bytes_written_while_waiting(*reactor_, stream, peer_, 1));
  stream.set_read_timeout(std::chrono::milliseconds(20));
  const TimePoint start = Clock::now();
  const absl::Status timed_out = run([&]() -> Task<absl::Status> {
    co_return (co_await stream.read_some()).status();
  }());
  EXPECT_EQ(timed_out.code(), absl::StatusCode::kDeadlineExceeded) << timed_out;
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(20));
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));
}

TEST_F(IOStreamTest, AReadWithoutTimeoutOutlivesAnArmedTimer) {
  IOStreamOptions options;
  options.read_timeout = std::chrono::milliseconds(20);
  IOStream stream = open(options);
  run(read_bytes_written_while_waiting(*reactor_, stream, peer_, 1));
  stream.set_read_timeout(Duration::zero());
  auto got = run([&]() -> Task<std::string> {
    // The peer writes well after the armed timer has fired.
    spawn(*reactor_, [](int fd) -> Task<void> {
      co_await sleep(std::chrono::milliseconds(60));
      EXPECT_TRUE(write_all(fd, "late"));
    }(peer_));
    auto bytes = co_await stream.read_some();
    co_return bytes.ok() ? std::string(*bytes) : bytes.status().ToString();
  }());
  EXPECT_EQ(got, "late");
}

TEST_F(IOStreamTest, ADestroyedStreamLeavesNoTimerBehind) {
  IOStreamOptions options;
  options.read_timeout = std::chrono::milliseconds(20);
  std::optional<IOStream> stream = open(options);
  run(read_bytes_written_while_waiting(*reactor_, *stream, peer_, 1));
  EXPECT_EQ(reactor_->stats().timers_pending, 1u);  // armed, lazily
  stream.reset();
  EXPECT_EQ(reactor_->stats().timers_pending, 0u);
  // Past the deadline: a timer left behind would run on the freed state.
  run([]() -> Task<void> { co_await sleep(std::chrono::milliseconds(40)); }());
}

TEST_F(IOStreamTest, TheTimerOfACancelledReadFiresHarmlessly) {
  IOStreamOptions options;
  options.read_timeout = std::chrono::milliseconds(20);
  IOStream stream = open(options);
  auto got = run([&]() -> Task<std::string> {
    TaskHandle reader = spawn(*reactor_, [](IOStream& s) -> Task<void> {
      (void)co_await s.read_some();
    }(stream));
    co_await yield();
    reader.cancel();
    while (!reader.done()) co_await yield();
    co_await sleep(std::chrono::milliseconds(40));  // the timer fires
    EXPECT_TRUE(write_all(peer_, "after"));
    auto bytes = co_await stream.read_some();
    co_return bytes.ok() ? std::string(*bytes) : bytes.status().ToString();
  }());
  EXPECT_EQ(got, "after");
  EXPECT_GE(reactor_->stats().timers_fired, 2u);  // the read's and the sleep's
  EXPECT_FALSE(stream.closed());
}

TEST_F(IOStreamTest, FlushWaitsForASlowPeerAndDeliversEverything) {
  IOStream stream = open();
  const int small = 4096;
  ::setsockopt(stream.fd(), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
  const std::string sent = pattern(1 << 20, 3);
  auto received = run([&]() -> Task<std::string> {
    // The peer reads 1000 bytes a turn; the kernel takes partial writes.
    auto read_slowly = [&]() -> Task<void> {
      std::string got = co_await drain(peer_, sent.size(), 1000);
      EXPECT_EQ(got.size(), sent.size());
      EXPECT_TRUE(got == sent) << "the bytes arrived changed or reordered";
    };
    TaskHandle reader = spawn(*reactor_, read_slowly());
    EXPECT_TRUE((co_await stream.write(std::string(sent))).ok());
    EXPECT_GT(stream.pending_write_bytes(), 0u) << "the kernel took 1 MiB?";
    absl::Status flushed = co_await stream.flush();
    EXPECT_TRUE(flushed.ok()) << flushed;
    EXPECT_EQ(stream.pending_write_bytes(), 0u);
    while (!reader.done()) co_await yield();
    co_return std::string("done");
  }());
  EXPECT_EQ(received, "done");
}

TEST_F(IOStreamTest, HighWaterMarkBoundsWhatAFastWriterQueues) {
  IOStreamOptions options;
  options.write_high_water = size_t{64} << 10;
  IOStream stream = open(options);
  const int small = 4096;
  ::setsockopt(stream.fd(), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
  const size_t chunk = 4096;
  const size_t chunks = 256;  // 1 MiB through a 64 KiB mark
  size_t most_queued = 0;
  run([&]() -> Task<void> {
    auto read_slowly = [&]() -> Task<void> {
      std::string got = co_await drain(peer_, chunk * chunks, 512);
      EXPECT_EQ(got.size(), chunk * chunks);
      for (size_t i = 0; i < chunks; ++i) {
        if (got.substr(i * chunk, chunk) != pattern(chunk, i)) {
          ADD_FAILURE() << "chunk " << i << " arrived changed";
          break;
        }
      }
    };
    TaskHandle reader = spawn(*reactor_, read_slowly());
    for (size_t i = 0; i < chunks; ++i) {
      absl::Status written = co_await stream.write(pattern(chunk, i));
      EXPECT_TRUE(written.ok()) << written;
      if (!written.ok()) co_return;
      most_queued = std::max(most_queued, stream.pending_write_bytes());
    }
    EXPECT_TRUE((co_await stream.flush()).ok());
    while (!reader.done()) co_await yield();
  }());
  EXPECT_LE(most_queued, options.write_high_water + chunk);
  EXPECT_GT(most_queued, 0u);
}

TEST_F(IOStreamTest, WritingToAResetPeerIsAStatusNotASignal) {
  IOStream stream = open();
  const linger abort_on_close{1, 0};
  ::setsockopt(peer_, SOL_SOCKET, SO_LINGER, &abort_on_close,
               sizeof(abort_on_close));
  pair_.first.reset();
  absl::Status status = run([&]() -> Task<absl::Status> {
    absl::Status last;
    for (int i = 0; i < 3 && last.ok(); ++i) {  // the first may still go out
      (void)co_await stream.write(pattern(size_t{64} << 10));
      last = co_await stream.flush();
    }
    co_return last;
  }());
  EXPECT_TRUE(is_stream_closed(status)) << status;
}

TEST_F(IOStreamTest, ASecondConcurrentReaderIsRefused) {
  IOStream stream = open();
  absl::Status second = run([&]() -> Task<absl::Status> {
    auto first_read = [&]() -> Task<void> {
      auto bytes = co_await stream.read_some();
      EXPECT_TRUE(bytes.ok());
    };
    TaskHandle first = spawn(*reactor_, first_read());
    co_await yield();  // the first read is waiting
    absl::Status status = (co_await stream.read_some()).status();
    EXPECT_TRUE(write_all(peer_, "x"));
    while (!first.done()) co_await yield();
    co_return status;
  }());
  EXPECT_EQ(second.code(), absl::StatusCode::kFailedPrecondition) << second;
}

TEST_F(IOStreamTest, ACancelledReadLeavesTheStreamUsable) {
  IOStream stream = open();
  bool cancelled = false;
  auto got = run([&]() -> Task<std::string> {
    auto wait_to_read = [&]() -> Task<void> {
      try {
        (void)co_await stream.read_some();
      } catch (const CancelledError&) {
        cancelled = true;
      }
    };
    TaskHandle reader = spawn(*reactor_, wait_to_read());
    co_await yield();
    reader.cancel();
    while (!reader.done()) co_await yield();
    EXPECT_TRUE(write_all(peer_, "after"));
    auto bytes = co_await stream.read_some();
    co_return bytes.ok() ? std::string(*bytes) : bytes.status().ToString();
  }());
  EXPECT_TRUE(cancelled);
  EXPECT_EQ(got, "after");
}

TEST_F(IOStreamTest, CloseWakesAWaitingReaderWithStreamClosed) {
  IOStream stream = open();
  absl::Status status = run([&]() -> Task<absl::Status> {
    auto close_soon = [&]() -> Task<void> {
      co_await yield();
      stream.close();
    };
    spawn(*reactor_, close_soon());
    co_return (co_await stream.read_some()).status();
  }());
  EXPECT_TRUE(is_stream_closed(status)) << status;
  EXPECT_TRUE(testing::peer_closed(peer_));
}

TEST_F(IOStreamTest, DestroyingTheStreamWakesAWaitingReader) {
  auto stream = std::make_unique<IOStream>(open());
  absl::Status status = run([&]() -> Task<absl::Status> {
    auto destroy_soon = [&]() -> Task<void> {
      co_await yield();
      stream.reset();
    };
    spawn(*reactor_, destroy_soon());
    co_return (co_await stream->read_some()).status();
  }());
  EXPECT_TRUE(is_stream_closed(status)) << status;
}

TEST_F(IOStreamTest, ManySmallWritesGoOutTogether) {
  IOStream stream = open();
  run([&]() -> Task<void> {
    for (int i = 0; i < 1000; ++i) {
      (void)co_await stream.write("0123456789");  // queued, nothing sent yet
    }
    EXPECT_EQ(stream.pending_write_bytes(), 10000u);
    EXPECT_TRUE((co_await stream.flush()).ok());
  }());
  EXPECT_EQ(testing::read_exactly(peer_, 10000).size(), 10000u);
}

TEST_F(IOStreamTest, FillGrowsTheBufferAndConsumeDropsWhatWasParsed) {
  IOStream stream = open();
  spawn(*reactor_, trickle(peer_, "GET / HTTP/1.1\r\n\r\nnext"));
  auto parsed = run([&]() -> Task<std::string> {
    // A parser's loop: look for the end of a head in what is buffered.
    while (stream.buffered().find("\r\n\r\n") == std::string_view::npos) {
      absl::StatusOr<std::string_view> more = co_await stream.fill();
      if (!more.ok()) co_return more.status().ToString();
      EXPECT_EQ(*more, stream.buffered());
    }
    const size_t end = stream.buffered().find("\r\n\r\n") + 4;
    std::string head(stream.buffered().substr(0, end));
    stream.consume(end);
    while (stream.buffered().size() < 4) {
      if (!(co_await stream.fill()).ok()) co_return std::string("no tail");
    }
    co_return head + "|" + std::string(stream.buffered());
  }());
  EXPECT_EQ(parsed, "GET / HTTP/1.1\r\n\r\n|next");
}

// A descriptor handed to IOStream::create may have a duplicate: closing the
// stream must take it out of epoll itself, or the duplicate keeps the
// (readable) registration alive and every poll reports it — a spinning loop.
TEST_F(IOStreamTest, ClosingAStreamOverADuplicatedFdLeavesTheReactorAsleep) {
  const int duplicate = ::dup(pair_.second.get());
  ASSERT_GE(duplicate, 0);
  IOStream stream = open();
  auto reader = [&]() -> Task<void> {  // keeps the stream registered readable
    const absl::Status status = (co_await stream.read_some()).status();
    EXPECT_TRUE(is_stream_closed(status)) << status;
  };
  auto close_then_idle = [&]() -> Task<uint64_t> {
    co_await yield();  // the reader waits now
    stream.close();
    EXPECT_TRUE(write_all(peer_, "readable"));  // for the duplicate
    const uint64_t before = reactor_->stats().polls;
    co_await sleep(std::chrono::milliseconds(50));
    co_return reactor_->stats().polls - before;
  };
  auto both = [&]() -> Task<uint64_t> {
    spawn(*reactor_, reader());
    co_return co_await close_then_idle();
  };
  const uint64_t polls = run(both());
  EXPECT_LT(polls, 100u) << "the closed stream's descriptor is still polled";
  ::close(duplicate);
}

TEST_F(IOStreamTest, FillOnAFullBufferFails) {
  IOStreamOptions options;
  options.max_buffer_size = 8;
  IOStream stream = open(options);
  ASSERT_TRUE(write_all(peer_, "0123456789"));
  absl::Status status = run([&]() -> Task<absl::Status> {
    for (;;) {
      absl::StatusOr<std::string_view> more = co_await stream.fill();
      if (!more.ok()) co_return more.status();
    }
  }());
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
}

TEST(IsStreamClosedTest, OnlyForClosedStreams) {
  EXPECT_FALSE(is_stream_closed(absl::OkStatus()));
  EXPECT_FALSE(is_stream_closed(absl::UnavailableError("stream closed")));
}

}  // namespace
}  // namespace gale
