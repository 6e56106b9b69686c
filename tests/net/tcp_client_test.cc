// TcpClient: connects over real loopback sockets (IPv4, a name resolved on
// the pool, IPv6), and fails with the documented codes when the port is
// closed, the peer never answers the SYN, or the name does not resolve.
#include "net/tcp_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "net/io_stream.h"
#include "net/unique_fd.h"
#include "reactor/reactor.h"
#include "reactor/spawn.h"
#include "reactor/task.h"
#include "reactor/thread_pool.h"
#include "tests/net/net_fixture.h"

namespace gale {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class TcpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    reactor_ = Reactor::create().value();
    ThreadPoolOptions options;
    options.threads = 1;
    options.name = "resolver";
    pool_ = ThreadPool::create(options).value();
  }
  void TearDown() override {
    pool_.reset();
    reactor_.reset();
  }

  // Runs one connect on the reactor, on this thread, to completion.
  absl::StatusOr<IOStream> connect(std::string host, uint16_t port,
                                   Duration timeout = seconds(10)) {
    TcpClient client(*pool_);
    return run_until_complete(*reactor_,
                              client.connect(std::move(host), port, timeout));
  }

  Reactor& reactor() { return *reactor_; }

 private:
  std::unique_ptr<Reactor> reactor_;
  std::unique_ptr<ThreadPool> pool_;
};

// The accepted end of the listener's next connection (it must be queued).
UniqueFd accept_one(int listener) {
  UniqueFd fd(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  EXPECT_TRUE(fd) << "accept: " << std::strerror(errno);
  return fd;
}

// Sends `request` from the accepted side, has the stream read it and answer,
// and checks the answer arrives: bytes flow both ways.
void expect_exchange(Reactor& reactor, IOStream& stream, int accepted) {
  const std::string request = testing::pattern(1000, 1);
  const std::string reply = testing::pattern(3000, 2);
  ASSERT_TRUE(testing::write_all(accepted, request));
  auto serve = [&]() -> Task<absl::Status> {
    absl::StatusOr<std::string_view> got =
        co_await stream.read_bytes(request.size());
    if (!got.ok()) co_return got.status();
    if (*got != request) co_return absl::DataLossError("request mangled");
    co_await stream.write(reply);
    co_return co_await stream.flush();
  };
  EXPECT_TRUE(run_until_complete(reactor, serve()).ok());
  EXPECT_EQ(testing::read_exactly(accepted, reply.size()), reply);
}

TEST_F(TcpClientTest, ConnectsToLoopbackAndExchangesBytes) {
  uint16_t port = 0;
  UniqueFd listener = testing::loopback_listener(&port);
  absl::StatusOr<IOStream> stream = connect("127.0.0.1", port);
  ASSERT_TRUE(stream.ok()) << stream.status();
  EXPECT_FALSE(stream->closed());
  absl::StatusOr<SocketAddress> peer = stream->peer_address();
  ASSERT_TRUE(peer.ok()) << peer.status();
  EXPECT_EQ(peer->port(), port);
  UniqueFd accepted = accept_one(listener.get());
  ASSERT_TRUE(accepted);
  expect_exchange(reactor(), *stream, accepted.get());

  // The peer's close reaches a reader as "stream closed".
  accepted.reset();
  auto read_after_close = [&]() -> Task<absl::Status> {
    co_return (co_await stream->read_some()).status();
  };
  const absl::Status closed = run_until_complete(reactor(), read_after_close());
  EXPECT_TRUE(is_stream_closed(closed)) << closed;
}

// A name goes through the pool (and, being short, tests the lookup lambda's
// capture of it, which GCC 12 once freed twice).
TEST_F(TcpClientTest, ConnectsToLocalhostThroughThePool) {
  uint16_t port = 0;
  UniqueFd listener = testing::loopback_listener(&port);
  // "localhost" may resolve to ::1 first: refused there (nothing listens on
  // it), then 127.0.0.1 is tried.
  absl::StatusOr<IOStream> stream = connect("localhost", port);
  ASSERT_TRUE(stream.ok()) << stream.status();
  UniqueFd accepted = accept_one(listener.get());
  ASSERT_TRUE(accepted);
  expect_exchange(reactor(), *stream, accepted.get());
}

// An IPv6 loopback listener, or nothing if the host has no ::1.
std::optional<UniqueFd> ipv6_loopback_listener(uint16_t* port) {
  UniqueFd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return std::nullopt;
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address),
             sizeof(address)) != 0 ||
      ::listen(fd.get(), 16) != 0) {
    return std::nullopt;
  }
  socklen_t length = sizeof(address);
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length);
  *port = ntohs(address.sin6_port);
  return fd;
}

TEST_F(TcpClientTest, ConnectsToIpv6Loopback) {
  uint16_t port = 0;
  std::optional<UniqueFd> listener = ipv6_loopback_listener(&port);
  if (!listener.has_value()) GTEST_SKIP() << "no IPv6 loopback on this host";
  absl::StatusOr<IOStream> stream = connect("::1", port);
  ASSERT_TRUE(stream.ok()) << stream.status();
  absl::StatusOr<SocketAddress> peer = stream->peer_address();
  ASSERT_TRUE(peer.ok()) << peer.status();
  EXPECT_EQ(peer->family(), AF_INET6);
  UniqueFd accepted = accept_one(listener->get());
  ASSERT_TRUE(accepted);
  expect_exchange(reactor(), *stream, accepted.get());
}

TEST_F(TcpClientTest, ClosedPortIsRefused) {
  uint16_t port = 0;
  testing::loopback_listener(&port);  // bound, then closed at once
  absl::StatusOr<IOStream> stream = connect("127.0.0.1", port);
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().code(),
            absl::ErrnoToStatus(ECONNREFUSED, "").code());
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(stream.status().message(), "refused"))
      << stream.status();
  EXPECT_TRUE(absl::StrContains(stream.status().message(), "127.0.0.1"))
      << stream.status();
}

// A non-blocking connect to 127.0.0.1:port; true once it completed within
// `wait` (the listener's accept queue had room), false if the SYN went
// unanswered meanwhile (the queue is full: the kernel drops new SYNs).
bool connect_completes(uint16_t port, std::vector<UniqueFd>& clients,
                       milliseconds wait) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const int result = ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address),
                               sizeof(address));
  bool completed = result == 0;
  if (!completed) {
    EXPECT_EQ(errno, EINPROGRESS) << std::strerror(errno);
    pollfd ready{fd.get(), POLLOUT, 0};
    completed = ::poll(&ready, 1, static_cast<int>(wait.count())) == 1;
  }
  clients.push_back(std::move(fd));
  return completed;
}

TEST_F(TcpClientTest, UnansweredSynTimesOut) {
  uint16_t port = 0;
  UniqueFd listener = testing::loopback_listener(&port, /*backlog=*/0);
  // Fill the accept queue (backlog 0 holds one connection on Linux): once
  // it is full, the next connect's SYN is dropped and stays unanswered.
  std::vector<UniqueFd> fillers;
  bool full = false;
  for (int i = 0; i < 16 && !full; ++i) {
    full = !connect_completes(port, fillers, milliseconds(300));
  }
  ASSERT_TRUE(full) << "the accept queue never filled";

  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<IOStream> stream =
      connect("127.0.0.1", port, milliseconds(100));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kDeadlineExceeded)
      << stream.status();
  EXPECT_GE(took, milliseconds(100));
  EXPECT_LT(took, seconds(5));
}

TEST_F(TcpClientTest, UnknownHostIsNotFound) {
  absl::StatusOr<IOStream> stream = connect("no-such-host.invalid", 80);
  ASSERT_FALSE(stream.ok());
  EXPECT_EQ(stream.status().code(), absl::StatusCode::kNotFound)
      << stream.status();
  EXPECT_TRUE(absl::StrContains(stream.status().message(), "no-such-host"))
      << stream.status();
}

}  // namespace
}  // namespace gale
