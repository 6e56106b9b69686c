// Batched flushes (net/internal/send_batch.h) through IOStream's public API,
// over real loopback TCP connections on one reactor: the flushes of one step
// go out in one submission, bytes arrive whole and in order (a full socket
// finishes through the writable path), a closed peer is a status, a stream
// closed while enrolled is left alone, and `batch_flushes = false` or a
// kernel without io_uring sends at once. Counts come from SendBatch::stats().
#include "net/internal/send_batch.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/io_stream.h"
#include "reactor/spawn.h"
#include "reactor/task.h"
#include "reactor/when.h"
#include "tests/net/net_fixture.h"

namespace gale {
namespace {

using ::gale::testing::pattern;
using ::gale::testing::read_exactly;
using ::gale::testing::SocketPair;
using ::gale::testing::tcp_pair;
using internal::SendBatch;
using internal::SendBatchStats;

Task<absl::Status> write_and_flush(IOStream& stream, std::string bytes);

class SendBatchTest : public ::gale::testing::ReactorNetTest {
 protected:
  void TearDown() override {
    // Every batch ran, or was given up with its reactor: none is left
    // waiting for a callback (the next test's flushes would hang).
    if (SendBatch* batch = SendBatch::existing()) {
      EXPECT_EQ(batch->pending(), 0u);
    }
  }

  // In one step: flushes of `first` and of streams 1 and 2, then `end_first`
  // closes or destroys `first`. Its flush ends with the close; the other two
  // go out in the batch, without it.
  void expect_only_the_first_left_out(IOStream& first,
                                      Task<absl::Status> end_first) {
    const SendBatchStats before = SendBatch::stats();
    std::vector<Task<absl::Status>> tasks;
    tasks.push_back(write_and_flush(first, "dropped"));
    tasks.push_back(write_and_flush(streams_[1], "sent"));
    tasks.push_back(write_and_flush(streams_[2], "also"));
    tasks.push_back(std::move(end_first));
    const std::vector<absl::Status> results = run(when_all(std::move(tasks)));
    const SendBatchStats after = SendBatch::stats();
    EXPECT_TRUE(is_stream_closed(results[0])) << results[0];
    EXPECT_TRUE(results[1].ok()) << results[1];
    EXPECT_TRUE(results[2].ok()) << results[2];
    EXPECT_EQ(after.sends - before.sends, 2u);
    EXPECT_EQ(read_exactly(peers_[1].get(), 4), "sent");
    EXPECT_EQ(read_exactly(peers_[2].get(), 4), "also");
  }

  // False (and the test skipped) where this thread cannot batch.
  static bool batching() { return SendBatch::of_this_thread() != nullptr; }

  // `count` connections: the streams on this reactor, the plain peers.
  void connect(size_t count, const IOStreamOptions& options = {}) {
    for (size_t i = 0; i < count; ++i) {
      SocketPair pair = tcp_pair();
      peers_.push_back(std::move(pair.first));
      streams_.push_back(stream_over(std::move(pair.second), options));
    }
  }

  std::vector<UniqueFd> peers_;
  std::vector<IOStream> streams_;
};

Task<absl::Status> write_and_flush(IOStream& stream, std::string bytes) {
  if (absl::Status queued = co_await stream.write(bytes); !queued.ok()) {
    co_return queued;
  }
  co_return co_await stream.flush();
}

Task<std::vector<absl::Status>> flush_all(std::vector<IOStream>& streams,
                                          size_t bytes_each) {
  std::vector<Task<absl::Status>> flushes;
  for (size_t i = 0; i < streams.size(); ++i) {
    flushes.push_back(write_and_flush(streams[i], pattern(bytes_each, i)));
  }
  co_return co_await when_all(std::move(flushes));
}

TEST_F(SendBatchTest, FlushesOfOneStepGoOutInOneSubmission) {
  if (!batching()) GTEST_SKIP() << "no io_uring here";
  constexpr size_t kStreams = 8;
  connect(kStreams);
  const SendBatchStats before = SendBatch::stats();
  const std::vector<absl::Status> flushed = run(flush_all(streams_, 100));
  const SendBatchStats after = SendBatch::stats();
  for (const absl::Status& status : flushed) EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(after.submissions - before.submissions, 1u);
  EXPECT_EQ(after.sends - before.sends, kStreams);
  for (size_t i = 0; i < kStreams; ++i) {
    EXPECT_EQ(read_exactly(peers_[i].get(), 100), pattern(100, i));
    EXPECT_EQ(streams_[i].pending_write_bytes(), 0u);
  }
}

// A lone flush in a step has nobody to share a submission with: it makes its
// own sendmsg (the same one system call, cheaper than the ring's).
TEST_F(SendBatchTest, ALoneFlushSendsWithoutTheRing) {
  if (!batching()) GTEST_SKIP() << "no io_uring here";
  connect(1);
  const SendBatchStats before = SendBatch::stats();
  const absl::Status flushed = run(write_and_flush(streams_[0], "alone"));
  const SendBatchStats after = SendBatch::stats();
  EXPECT_TRUE(flushed.ok()) << flushed;
  EXPECT_EQ(after.submissions, before.submissions);
  EXPECT_EQ(read_exactly(peers_[0].get(), 5), "alone");
}

TEST_F(SendBatchTest, MoreStreamsThanTheRingTakesGoInSeveralSubmissions) {
  if (!batching()) GTEST_SKIP() << "no io_uring here";
  const size_t streams = SendBatch::kRingEntries + 3;
  connect(streams);
  const SendBatchStats before = SendBatch::stats();
  const std::vector<absl::Status> flushed = run(flush_all(streams_, 10));
  const SendBatchStats after = SendBatch::stats();
  for (const absl::Status& status : flushed) EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(after.submissions - before.submissions, 2u);
  EXPECT_EQ(after.sends - before.sends, streams);
  for (size_t i = 0; i < streams; ++i) {
    EXPECT_EQ(read_exactly(peers_[i].get(), 10), pattern(10, i));
  }
}

// 8 MiB to a peer that reads only after the flush started: the batch sends
// what the socket takes, the writable path the rest, in order.
TEST_F(SendBatchTest, AFullSocketFinishesThroughTheWritablePath) {
  constexpr size_t kBytes = size_t{8} << 20;
  IOStreamOptions options;
  options.write_high_water = size_t{64} << 20;  // the write itself never waits
  connect(2, options);  // a companion, so that the batch uses the ring
  const std::string bytes = pattern(kBytes);
  std::string received;
  std::thread reader([&] { received = read_exactly(peers_[0].get(), kBytes); });
  const SendBatchStats before = SendBatch::stats();
  std::vector<Task<absl::Status>> tasks;
  tasks.push_back(write_and_flush(streams_[0], bytes));
  tasks.push_back(write_and_flush(streams_[1], "companion"));
  const absl::Status flushed = run(when_all(std::move(tasks)))[0];
  reader.join();
  EXPECT_EQ(read_exactly(peers_[1].get(), 9), "companion");
  EXPECT_TRUE(flushed.ok()) << flushed;
  EXPECT_EQ(received.size(), kBytes);
  EXPECT_TRUE(received == bytes);
  if (batching()) {
    EXPECT_GE(SendBatch::stats().submissions - before.submissions, 1u);
  }
}

// Many small chunks (each write a chunk of its own once the tail is full):
// more buffers than a stream's share of a batch, sent in order.
TEST_F(SendBatchTest, MoreBuffersThanABatchTakesArriveInOrder) {
  constexpr size_t kChunk = 4096;  // moved in whole: a buffer each
  constexpr size_t kChunks = 3 * SendBatch::kIovPerStream;
  connect(2);  // a companion, so that the batch uses the ring
  std::string expected;
  auto writes = [&]() -> Task<absl::Status> {
    for (size_t i = 0; i < kChunks; ++i) {
      std::string chunk = pattern(kChunk, i);
      expected += chunk;
      if (absl::Status queued = co_await streams_[0].write(std::move(chunk));
          !queued.ok()) {
        co_return queued;
      }
    }
    co_return co_await streams_[0].flush();
  };
  auto task = writes();
  std::string received;
  std::thread reader(
      [&] { received = read_exactly(peers_[0].get(), kChunks * kChunk); });
  const SendBatchStats before = SendBatch::stats();
  std::vector<Task<absl::Status>> tasks;
  tasks.push_back(std::move(task));
  tasks.push_back(write_and_flush(streams_[1], "companion"));
  const absl::Status flushed = run(when_all(std::move(tasks)))[0];
  reader.join();
  EXPECT_EQ(read_exactly(peers_[1].get(), 9), "companion");
  EXPECT_TRUE(flushed.ok()) << flushed;
  EXPECT_TRUE(received == expected);
  if (batching()) {
    EXPECT_GE(SendBatch::stats().submissions - before.submissions, 1u);
  }
}

TEST_F(SendBatchTest, APeerThatWentAwayIsAClosedStreamStatus) {
  connect(2);  // a companion, so that the error comes back from the ring
  ::shutdown(peers_[0].get(), SHUT_RDWR);
  peers_[0].reset();
  // The first send may still be accepted (the RST comes back afterwards);
  // a later one meets the reset.
  absl::Status flushed;
  for (int i = 0; i < 100 && flushed.ok(); ++i) {
    std::vector<Task<absl::Status>> tasks;
    tasks.push_back(write_and_flush(streams_[0], pattern(1000)));
    tasks.push_back(write_and_flush(streams_[1], "x"));
    const std::vector<absl::Status> results = run(when_all(std::move(tasks)));
    EXPECT_TRUE(results[1].ok()) << results[1];
    flushed = results[0];
  }
  EXPECT_TRUE(is_stream_closed(flushed)) << flushed;
  EXPECT_TRUE(streams_[0].closed());
}

// One task flushes, another closes the same stream in the same step: the
// batch skips it and the flush resumes with the close.
TEST_F(SendBatchTest, AStreamClosedWhileEnrolledIsLeftAlone) {
  if (!batching()) GTEST_SKIP() << "no io_uring here";
  connect(3);
  auto close_first = [&]() -> Task<absl::Status> {
    streams_[0].close();
    co_return absl::OkStatus();
  };
  expect_only_the_first_left_out(streams_[0], close_first());
}

// A completion resumes a task that destroys a stream further on in the same
// round: that stream's bytes went out, it withdraws, and its flush resumes
// with the close — after every queue had dropped what the kernel took.
TEST_F(SendBatchTest, ACompletionThatDestroysALaterStreamOfTheRound) {
  if (!batching()) GTEST_SKIP() << "no io_uring here";
  connect(2);
  std::optional<IOStream> later(std::move(streams_[1]));
  auto flush_then_destroy = [&]() -> Task<absl::Status> {
    absl::Status flushed = co_await write_and_flush(streams_[0], "first");
    later.reset();
    co_return flushed;
  };
  std::vector<Task<absl::Status>> tasks;
  tasks.push_back(flush_then_destroy());
  tasks.push_back(write_and_flush(*later, "second"));
  const std::vector<absl::Status> results = run(when_all(std::move(tasks)));
  EXPECT_TRUE(results[0].ok()) << results[0];
  EXPECT_TRUE(is_stream_closed(results[1])) << results[1];
  EXPECT_EQ(read_exactly(peers_[0].get(), 5), "first");
  EXPECT_EQ(read_exactly(peers_[1].get(), 6), "second");
  EXPECT_TRUE(::gale::testing::peer_closed(peers_[1].get()));
}

// A completion resumes a task that writes to a stream further on in the same
// round, whose own flush found its queue empty: those bytes must still go
// out, and that flush must still resume (through the writable path).
TEST_F(SendBatchTest, BytesWrittenToALaterStreamOfTheRoundStillGoOut) {
  if (!batching()) GTEST_SKIP() << "no io_uring here";
  connect(2);
  auto flush_then_write_to_later = [&]() -> Task<absl::Status> {
    absl::Status flushed = co_await write_and_flush(streams_[0], "a");
    (void)co_await streams_[1].write(",more");
    co_return flushed;
  };
  std::vector<Task<absl::Status>> tasks;
  tasks.push_back(flush_then_write_to_later());
  tasks.push_back(write_and_flush(streams_[1], "b"));
  const std::vector<absl::Status> results = run(when_all(std::move(tasks)));
  EXPECT_TRUE(results[0].ok()) << results[0];
  EXPECT_TRUE(results[1].ok()) << results[1];
  EXPECT_EQ(read_exactly(peers_[0].get(), 1), "a");
  EXPECT_EQ(read_exactly(peers_[1].get(), 6), "b,more");
  EXPECT_EQ(streams_[1].pending_write_bytes(), 0u);
}

// Two tasks flush one stream in the same step: the second does not wait
// behind the first's batch (which then finds nothing left); both succeed.
TEST_F(SendBatchTest, TwoFlushersOfOneStreamInOneStepBothSucceed) {
  connect(1);
  std::vector<Task<absl::Status>> tasks;
  tasks.push_back(write_and_flush(streams_[0], "one,"));
  tasks.push_back(write_and_flush(streams_[0], "two"));
  const std::vector<absl::Status> results = run(when_all(std::move(tasks)));
  EXPECT_TRUE(results[0].ok()) << results[0];
  EXPECT_TRUE(results[1].ok()) << results[1];
  EXPECT_EQ(read_exactly(peers_[0].get(), 7), "one,two");
}

// The reactor stops in the step a flush enrolled and is destroyed with the
// batch's callback unrun; the stream, owned by the task, goes with the task
// (its bytes are dropped, as close() drops them). A flush on the next reactor
// of this thread must post a batch of its own: it would hang otherwise.
TEST_F(SendBatchTest, ABatchDroppedWithItsReactorDoesNotStrandTheNext) {
  connect(1);
  auto flush_and_stop = [this](IOStream stream) -> Task<void> {
    (void)co_await stream.write("never sent");
    reactor_->stop();
    (void)co_await stream.flush();
  };
  spawn(*reactor_, flush_and_stop(std::move(streams_[0])));
  reactor_->run();
  reactor_.reset();  // the task and its stream go, then the unrun batch
  EXPECT_TRUE(::gale::testing::peer_closed(peers_[0].get()));
  streams_.clear();
  peers_.clear();
  reactor_ = *Reactor::create();
  connect(1);
  const absl::Status flushed = run(write_and_flush(streams_[0], "after"));
  EXPECT_TRUE(flushed.ok()) << flushed;
  EXPECT_EQ(read_exactly(peers_[0].get(), 5), "after");
}

// A thread without io_uring (here: batching turned off for it) flushes at
// once, through the same API.
TEST_F(SendBatchTest, WithoutIoUringFlushesSendAtOnce) {
  SocketPair pair = tcp_pair();
  absl::Status flushed;
  SendBatchStats before;
  SendBatchStats after;
  std::thread([&] {
    SendBatch::disable_on_this_thread();
    auto reactor = Reactor::create();
    ASSERT_TRUE(reactor.ok());
    IOStream stream = stream_over(std::move(pair.second));
    before = SendBatch::stats();
    flushed = run_until_complete(**reactor, write_and_flush(stream, "plain"));
    after = SendBatch::stats();
  }).join();
  EXPECT_TRUE(flushed.ok()) << flushed;
  EXPECT_EQ(after.submissions, before.submissions);
  EXPECT_EQ(read_exactly(pair.first.get(), 5), "plain");
}

// The same with the stream destroyed, as a server drops a connection it
// tracks: the batch must not touch it (ASan would see the freed state).
TEST_F(SendBatchTest, AStreamDestroyedWhileEnrolledIsLeftAlone) {
  if (!batching()) GTEST_SKIP() << "no io_uring here";
  connect(3);
  std::optional<IOStream> doomed(std::move(streams_[0]));
  auto destroy_first = [&]() -> Task<absl::Status> {
    doomed.reset();
    co_return absl::OkStatus();
  };
  expect_only_the_first_left_out(*doomed, destroy_first());
  EXPECT_TRUE(::gale::testing::peer_closed(peers_[0].get()));
}

// A task that flushes again as soon as its flush resumed (from inside the
// batch's completions) joins the next batch: 100 rounds, all in order.
TEST_F(SendBatchTest, FlushingFromACompletionJoinsTheNextBatch) {
  if (!batching()) GTEST_SKIP() << "no io_uring here";
  constexpr int kRounds = 100;
  connect(2);
  auto rounds = [](IOStream& stream) -> Task<absl::Status> {
    for (int i = 0; i < kRounds; ++i) {
      absl::Status flushed =
          co_await write_and_flush(stream, std::to_string(i % 10));
      if (!flushed.ok()) co_return flushed;
    }
    co_return absl::OkStatus();
  };
  const SendBatchStats before = SendBatch::stats();
  std::vector<Task<absl::Status>> tasks;
  tasks.push_back(rounds(streams_[0]));
  tasks.push_back(rounds(streams_[1]));
  const std::vector<absl::Status> results = run(when_all(std::move(tasks)));
  const SendBatchStats after = SendBatch::stats();
  for (const absl::Status& status : results) EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(after.sends - before.sends, 2u * kRounds);
  EXPECT_EQ(after.submissions - before.submissions,
            static_cast<uint64_t>(kRounds));
  std::string expected;
  for (int i = 0; i < kRounds; ++i) expected += std::to_string(i % 10);
  EXPECT_EQ(read_exactly(peers_[0].get(), kRounds), expected);
  EXPECT_EQ(read_exactly(peers_[1].get(), kRounds), expected);
}

TEST_F(SendBatchTest, StreamsThatOptOutSendAtOnce) {
  IOStreamOptions options;
  options.batch_flushes = false;
  connect(4, options);
  const SendBatchStats before = SendBatch::stats();
  const std::vector<absl::Status> flushed = run(flush_all(streams_, 50));
  const SendBatchStats after = SendBatch::stats();
  for (const absl::Status& status : flushed) EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(after.submissions, before.submissions);
  EXPECT_EQ(after.sends, before.sends);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(read_exactly(peers_[i].get(), 50), pattern(50, i));
  }
}

}  // namespace
}  // namespace gale
