// IdleStreams over real loopback connections: a parked stream comes back with
// its bytes or its hang-up, expires oldest first under one timer, closes with
// close_all() and the list; parking allocates nothing.
#include "net/idle_streams.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench/common/alloc_counter.h"
#include "net/io_stream.h"
#include "reactor/io_wait.h"
#include "reactor/reactor.h"
#include "reactor/sleep.h"
#include "reactor/spawn.h"
#include "reactor/task.h"
#include "tests/net/net_fixture.h"

namespace gale {
namespace {

using ::gale::testing::SocketPair;
using ::gale::testing::tcp_pair;
using ::gale::testing::write_all;
using std::chrono::milliseconds;

// Waits (on the reactor) until the plain socket `fd` reads end of stream.
Task<bool> peer_sees_eof(int fd) {
  char chunk[256];
  for (;;) {
    const ssize_t got = ::recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
    if (got == 0) co_return true;
    if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK) co_return true;
    if (got < 0) co_await wait_for_io(fd, kReadable);
  }
}

class IdleStreamsTest : public ::gale::testing::ReactorNetTest {
 protected:
  // A stream on this reactor, and the plain socket at its other end.
  static IOStream open(UniqueFd* peer) {
    SocketPair pair = tcp_pair();
    *peer = std::move(pair.first);
    return stream_over(std::move(pair.second));
  }
};

TEST_F(IdleStreamsTest, AParkedStreamComesBackWithItsBytes) {
  std::vector<IOStream> back;
  IdleStreams idle(*reactor_, std::chrono::seconds(60),
                   [&](IOStream stream) { back.push_back(std::move(stream)); });
  UniqueFd peer;
  idle.park(open(&peer));
  EXPECT_EQ(idle.size(), 1u);
  ASSERT_TRUE(write_all(peer.get(), "GET / HTTP/1.1\r\n"));
  auto read_back = [&]() -> Task<std::string> {
    while (back.empty()) co_await yield();
    absl::StatusOr<std::string_view> line =
        co_await back.front().read_until("\r\n", 1024);
    co_return line.ok() ? std::string(*line) : line.status().ToString();
  };
  EXPECT_EQ(run(read_back()), "GET / HTTP/1.1\r\n");
  EXPECT_EQ(idle.size(), 0u);
  // And it can be parked again.
  IOStream again = std::move(back.front());
  back.clear();
  idle.park(std::move(again));
  ASSERT_TRUE(write_all(peer.get(), "x"));
  auto wait_back = [&]() -> Task<size_t> {
    while (back.empty()) co_await yield();
    co_return back.size();
  };
  EXPECT_EQ(run(wait_back()), 1u);
}

// A stream that read with a timeout is parked with its (lazy) read timer
// still armed: the timer fires while it is parked and finds no read, and the
// stream comes back with timed reads that work.
TEST_F(IdleStreamsTest, AStreamParkedWithItsReadTimerArmedComesBackUsable) {
  std::vector<IOStream> back;
  IdleStreams idle(*reactor_, std::chrono::seconds(60),
                   [&](IOStream stream) { back.push_back(std::move(stream)); });
  SocketPair pair = tcp_pair();
  IOStreamOptions options;
  options.read_timeout = milliseconds(20);
  IOStream stream = stream_over(std::move(pair.second), options);
  const int peer = pair.first.get();
  auto first_read = [&]() -> Task<std::string> {
    spawn(*reactor_, [](int fd) -> Task<void> {
      co_await yield();
      EXPECT_TRUE(write_all(fd, "one"));
    }(peer));
    auto got = co_await stream.read_some();
    co_return got.ok() ? std::string(*got) : got.status().ToString();
  };
  EXPECT_EQ(run(first_read()), "one");
  ASSERT_EQ(reactor_->stats().timers_pending, 1u);  // armed, lazily
  idle.park(std::move(stream));
  auto after_parking = [&]() -> Task<std::string> {
    co_await sleep(milliseconds(40));  // the read timer fires, parked
    EXPECT_TRUE(back.empty());
    EXPECT_TRUE(write_all(peer, "two"));
    while (back.empty()) co_await yield();
    IOStream& again = back.front();
    auto got = co_await again.read_some();
    if (!got.ok()) co_return got.status().ToString();
    const std::string bytes(*got);
    const TimePoint start = Clock::now();
    const absl::Status silent = (co_await again.read_some()).status();
    EXPECT_EQ(silent.code(), absl::StatusCode::kDeadlineExceeded) << silent;
    EXPECT_GE(Clock::now() - start, milliseconds(20));
    co_return bytes;
  };
  EXPECT_EQ(run(after_parking()), "two");
}

TEST_F(IdleStreamsTest, AHangUpWhileParkedHandsTheStreamBackToFailItsRead) {
  std::optional<IOStream> back;
  IdleStreams idle(*reactor_, std::chrono::seconds(60),
                   [&](IOStream stream) { back.emplace(std::move(stream)); });
  UniqueFd peer;
  idle.park(open(&peer));
  peer.reset();
  auto read_back = [&]() -> Task<absl::Status> {
    while (!back.has_value()) co_await yield();
    co_return (co_await back->read_some()).status();
  };
  const absl::Status status = run(read_back());
  EXPECT_TRUE(is_stream_closed(status)) << status;
  EXPECT_EQ(idle.size(), 0u);
}

// One timer for the list: the stream parked first expires first, and the
// timer re-arms for the next one.
TEST_F(IdleStreamsTest, StreamsExpireOldestFirst) {
  int ready = 0;
  IdleStreams idle(*reactor_, milliseconds(400), [&](IOStream) { ++ready; });
  UniqueFd older_peer;
  UniqueFd newer_peer;
  idle.park(open(&older_peer));
  auto check = [&]() -> Task<void> {
    co_await sleep(milliseconds(300));
    idle.park(open(&newer_peer));
    EXPECT_TRUE(co_await peer_sees_eof(older_peer.get()));
    EXPECT_EQ(idle.size(), 1u);  // the newer one has 300 ms to go
    EXPECT_TRUE(co_await peer_sees_eof(newer_peer.get()));
    EXPECT_EQ(idle.size(), 0u);
  };
  run(check());
  EXPECT_EQ(ready, 0);
}

TEST_F(IdleStreamsTest, CloseAllAndTheDestructorCloseWhatIsParked) {
  UniqueFd peers[3];
  auto idle = std::make_unique<IdleStreams>(*reactor_, std::chrono::seconds(60),
                                            [](IOStream) {});
  idle->park(open(&peers[0]));
  idle->park(open(&peers[1]));
  idle->close_all();
  EXPECT_EQ(idle->size(), 0u);
  idle->park(open(&peers[2]));
  idle.reset();
  for (UniqueFd& peer : peers) {
    EXPECT_TRUE(run(peer_sees_eof(peer.get())));
  }
}

// Bytes already read into the stream's buffer would bring no readiness: such
// a stream is handed straight back.
TEST_F(IdleStreamsTest, AStreamWithBufferedBytesComesStraightBack) {
  std::vector<IOStream> back;
  IdleStreams idle(*reactor_, std::chrono::seconds(60),
                   [&](IOStream stream) { back.push_back(std::move(stream)); });
  UniqueFd peer;
  IOStream stream = open(&peer);
  ASSERT_TRUE(write_all(peer.get(), "one\ntwo\n"));
  auto first_line = [&]() -> Task<std::string> {
    absl::StatusOr<std::string_view> line =
        co_await stream.read_until("\n", 64);
    co_return line.ok() ? std::string(*line) : line.status().ToString();
  };
  EXPECT_EQ(run(first_line()), "one\n");  // "two\n" waits in the buffer
  idle.park(std::move(stream));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(idle.size(), 0u);
  EXPECT_EQ(idle.parks(), 0u);
  EXPECT_EQ(back.front().buffered(), "two\n");
}

TEST_F(IdleStreamsTest, AClosedStreamIsNotParked) {
  IdleStreams idle(*reactor_, std::chrono::seconds(60), [](IOStream) {});
  UniqueFd peer;
  IOStream stream = open(&peer);
  stream.close();
  idle.park(std::move(stream));
  EXPECT_EQ(idle.size(), 0u);
}

// Parking costs the stream's state and nothing more: no node per stream.
TEST_F(IdleStreamsTest, ParkingAllocatesNothing) {
  if (!bench::allocation_counting_works()) {
    GTEST_SKIP() << "allocations are not counted under sanitizers";
  }
  IdleStreams idle(*reactor_, std::chrono::seconds(60), [](IOStream) {});
  constexpr int kStreams = 100;
  uint64_t allocations = 0;
  // The first rounds warm up the reactor's own vectors (interest changes,
  // timer slots); the reactor turns between rounds, as a server's does.
  auto turn = []() -> Task<void> { co_await sleep(milliseconds(1)); };
  for (int round = 0; round < 3; ++round) {
    std::vector<UniqueFd> peers(kStreams);
    std::vector<IOStream> streams;
    for (UniqueFd& peer : peers) streams.push_back(open(&peer));
    const uint64_t before = bench::allocations();
    for (IOStream& stream : streams) idle.park(std::move(stream));
    allocations = bench::allocations() - before;
    EXPECT_EQ(idle.size(), size_t{kStreams});
    idle.close_all();
    run(turn());
  }
  EXPECT_EQ(allocations, 0u);
}

}  // namespace
}  // namespace gale
