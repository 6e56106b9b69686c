// TcpServer on a Runtime of 2 reactors, with real clients over loopback: a
// client reactor on the test thread (TcpClient) or plain blocking sockets.
#include "net/tcp_server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/runtime.h"
#include "net/bind_sockets.h"
#include "net/connection_actor.h"
#include "net/tcp_client.h"
#include "reactor/reactor.h"
#include "reactor/spawn.h"
#include "reactor/task.h"
#include "reactor/when.h"
#include "tests/net/net_fixture.h"

namespace gale {
namespace {

using ::gale::testing::connect_blocking;
using ::gale::testing::echo;
using ::gale::testing::pattern;
using ::gale::testing::peer_closed;
using ::gale::testing::read_exactly;
using ::gale::testing::write_all;

class TcpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RuntimeOptions options;
    options.reactors = 2;
    options.offload_threads = 1;
    runtime_ = *Runtime::start(options);
  }
  void TearDown() override {
    server_.reset();
    runtime_->stop();
    runtime_->wait();
  }

  TcpServerOptions local() const {
    TcpServerOptions options;
    options.address = "127.0.0.1";
    return options;
  }

  // Which reactor of the runtime `reactor` is.
  size_t index_of(const Reactor& reactor) const {
    for (size_t i = 0; i < runtime_->size(); ++i) {
      if (&runtime_->reactor(i) == &reactor) return i;
    }
    return runtime_->size();
  }

  std::unique_ptr<Runtime> runtime_;
  std::unique_ptr<TcpServer> server_;
};

// One client: connects, sends `size` bytes, expects them back, leaves.
Task<bool> echo_client(const TcpClient& client, uint16_t port, size_t size,
                       size_t seed) {
  absl::StatusOr<IOStream> stream =
      co_await client.connect("127.0.0.1", port, std::chrono::seconds(10));
  if (!stream.ok()) {
    ADD_FAILURE() << stream.status();
    co_return false;
  }
  const std::string sent = pattern(size, seed);
  (void)co_await stream->write(sent);
  if (!(co_await stream->flush()).ok()) co_return false;
  absl::StatusOr<std::string_view> back = co_await stream->read_bytes(size);
  co_return back.ok() && *back == sent;
}

TEST_F(TcpServerTest, EchoesAThousandConcurrentClientsOverTwoReactors) {
  ASSERT_GE(testing::raise_fd_limit(4096), 2100u) << "not enough descriptors";
  std::array<std::atomic<int>, 2> served{};
  const TcpServer::Serve serve = [&](IOStream stream) -> Task<void> {
    served[index_of(stream.reactor())].fetch_add(1);
    co_await echo(std::move(stream));
  };
  server_ = *TcpServer::start(*runtime_, local(), serve);

  auto client_reactor = *Reactor::create();
  TcpClient client(runtime_->offload_pool());
  std::vector<Task<bool>> clients;
  for (size_t i = 0; i < 1000; ++i) {
    clients.push_back(echo_client(client, server_->port(), 10'000, i));
  }
  std::vector<bool> results =
      run_until_complete(*client_reactor, when_all(std::move(clients)));
  EXPECT_EQ(std::count(results.begin(), results.end(), true), 1000);
  EXPECT_EQ(server_->stats().accepted, 1000u);
  EXPECT_GT(served[0].load(), 0) << "SO_REUSEPORT spread nothing to reactor 0";
  EXPECT_GT(served[1].load(), 0) << "SO_REUSEPORT spread nothing to reactor 1";

  // Every client left: the stop finds no connection to wait for.
  const TimePoint stop_began = Clock::now();
  server_->stop(std::chrono::seconds(30));
  server_->wait();
  EXPECT_LT(Clock::now() - stop_began, std::chrono::seconds(30));
  EXPECT_EQ(server_->connections(), 0u);
}

class EchoConnection : public ConnectionActor {
 public:
  EchoConnection(IOStream stream, std::atomic<int>* on_own_reactor)
      : ConnectionActor(std::move(stream)), on_own_reactor_(on_own_reactor) {}

  Task<void> serve() override {
    if (&stream().reactor() == &reactor()) on_own_reactor_->fetch_add(1);
    co_await echo_lines();
  }

 private:
  Task<void> echo_lines() {
    for (;;) {
      absl::StatusOr<std::string_view> line =
          co_await stream().read_until("\n", 1024);
      if (!line.ok()) co_return;
      (void)co_await stream().write(*line);
      if (!(co_await stream().flush()).ok()) co_return;
    }
  }

  std::atomic<int>* on_own_reactor_;
};

TEST_F(TcpServerTest, ConnectionActorsLiveOnTheAcceptingReactor) {
  std::atomic<int> on_own_reactor{0};
  server_ = *TcpServer::start_actors<EchoConnection>(*runtime_, local(),
                                                     &on_own_reactor);
  std::vector<UniqueFd> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(connect_blocking(server_->port()));
    const std::string line = "line " + std::to_string(i) + "\n";
    ASSERT_TRUE(write_all(clients.back().get(), line));
    EXPECT_EQ(read_exactly(clients.back().get(), line.size()), line);
  }
  EXPECT_EQ(on_own_reactor.load(), 20);
  clients.clear();  // the actors see EOF and stop
  server_->stop(std::chrono::seconds(30));
  server_->wait();
  EXPECT_EQ(server_->connections(), 0u);
}

TEST_F(TcpServerTest, RoundRobinHandsConnectionsToEachReactorInTurn) {
  std::array<std::atomic<int>, 2> served{};
  const TcpServer::Serve serve = [&](IOStream stream) -> Task<void> {
    served[index_of(stream.reactor())].fetch_add(1);
    co_await echo(std::move(stream));
  };
  TcpServerOptions options = local();
  options.spread = TcpServerOptions::Spread::kRoundRobin;
  server_ = *TcpServer::start(*runtime_, options, serve);
  std::vector<UniqueFd> clients;
  for (int i = 0; i < 6; ++i) {
    clients.push_back(connect_blocking(server_->port()));
    ASSERT_TRUE(write_all(clients.back().get(), "x"));
    EXPECT_EQ(read_exactly(clients.back().get(), 1), "x");
  }
  EXPECT_EQ(served[0].load(), 3);
  EXPECT_EQ(served[1].load(), 3);
}

// TCP_NODELAY is set on the listeners, and the accepted sockets inherit it
// (Linux does; the server counts on it to save a syscall per connection) —
// with either spread; and no_delay = false leaves Nagle on.
TEST_F(TcpServerTest, AcceptedSocketsHaveTcpNoDelayAsAsked) {
  for (const bool no_delay : {true, false}) {
    for (const auto spread : {TcpServerOptions::Spread::kListenerPerReactor,
                              TcpServerOptions::Spread::kRoundRobin}) {
      std::atomic<int> nodelay{-1};
      const TcpServer::Serve serve = [&](IOStream stream) -> Task<void> {
        int value = 0;
        socklen_t size = sizeof(value);
        ::getsockopt(stream.fd(), IPPROTO_TCP, TCP_NODELAY, &value, &size);
        nodelay.store(value != 0 ? 1 : 0);
        co_await echo(std::move(stream));
      };
      TcpServerOptions options = local();
      options.spread = spread;
      options.stream.no_delay = no_delay;
      server_ = *TcpServer::start(*runtime_, options, serve);
      UniqueFd client = connect_blocking(server_->port());
      ASSERT_TRUE(write_all(client.get(), "x"));
      EXPECT_EQ(read_exactly(client.get(), 1), "x");
      EXPECT_EQ(nodelay.load(), no_delay ? 1 : 0);
      client.reset();
      server_->stop(std::chrono::seconds(30));
      server_->wait();
    }
  }
}

TEST_F(TcpServerTest, GracefulStopClosesConnectionsLeftAfterTheGrace) {
  server_ = *TcpServer::start(*runtime_, local(), echo);
  UniqueFd idle = connect_blocking(server_->port());
  ASSERT_TRUE(write_all(idle.get(), "hi"));
  ASSERT_EQ(read_exactly(idle.get(), 2), "hi");  // accepted and served
  const uint16_t port = server_->port();

  const TimePoint stop_began = Clock::now();
  server_->stop(std::chrono::milliseconds(100));
  server_->wait();
  EXPECT_GE(Clock::now() - stop_began, std::chrono::milliseconds(100));
  EXPECT_TRUE(peer_closed(idle.get())) << "the idle client was not closed";
  EXPECT_EQ(server_->connections(), 0u);

  // The listeners are gone: a new client is refused.
  UniqueFd late(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  EXPECT_NE(::connect(late.get(), reinterpret_cast<sockaddr*>(&address),
                      sizeof(address)),
            0);
}

TEST_F(TcpServerTest, GracefulStopEndsAsSoonAsTheLastClientLeaves) {
  server_ = *TcpServer::start(*runtime_, local(), echo);
  UniqueFd client = connect_blocking(server_->port());
  ASSERT_TRUE(write_all(client.get(), "hi"));
  ASSERT_EQ(read_exactly(client.get(), 2), "hi");

  const TimePoint stop_began = Clock::now();
  server_->stop(std::chrono::seconds(60));
  // Still served during the grace.
  ASSERT_TRUE(write_all(client.get(), "still"));
  EXPECT_EQ(read_exactly(client.get(), 5), "still");
  client.reset();
  server_->wait();
  EXPECT_LT(Clock::now() - stop_began, std::chrono::seconds(60));
}

TEST_F(TcpServerTest, StartFailsWhenThePortIsTaken) {
  auto taken = bind_sockets(0, "127.0.0.1");
  ASSERT_TRUE(taken.ok()) << taken.status();
  TcpServerOptions options = local();
  options.port = taken->front().address.port();
  auto server = TcpServer::start(*runtime_, options, echo);
  ASSERT_FALSE(server.ok());
  EXPECT_NE(std::string(server.status().message()).find("in use"),
            std::string::npos)
      << server.status();
}

TEST_F(TcpServerTest, AThrowingConnectionTaskLeavesTheServerServing) {
  const TcpServer::Serve serve = [](IOStream stream) -> Task<void> {
    absl::StatusOr<std::string_view> first = co_await stream.read_bytes(1);
    if (!first.ok()) co_return;
    if (*first == "!") throw std::runtime_error("bad client");
    (void)co_await stream.write(*first);
    (void)co_await stream.flush();
    co_await echo(std::move(stream));
  };
  server_ = *TcpServer::start(*runtime_, local(), serve);
  UniqueFd bad = connect_blocking(server_->port());
  ASSERT_TRUE(write_all(bad.get(), "!"));
  EXPECT_TRUE(peer_closed(bad.get())) << "the failed connection stays open";
  UniqueFd good = connect_blocking(server_->port());
  ASSERT_TRUE(write_all(good.get(), "ok"));
  EXPECT_EQ(read_exactly(good.get(), 2), "ok");
}

TEST_F(TcpServerTest, ServesIpv6Loopback) {
  TcpServerOptions options;
  options.address = "::1";
  auto server = TcpServer::start(*runtime_, options, echo);
  if (!server.ok()) GTEST_SKIP() << "no IPv6 loopback: " << server.status();
  server_ = *std::move(server);
  UniqueFd client = connect_blocking(server_->port(), /*v6=*/true);
  ASSERT_TRUE(write_all(client.get(), "six"));
  EXPECT_EQ(read_exactly(client.get(), 3), "six");
}

TEST_F(TcpServerTest, AServerOutlivingItsRuntimeIsDestroyedQuietly) {
  server_ = *TcpServer::start(*runtime_, local(), echo);
  UniqueFd client = connect_blocking(server_->port());
  ASSERT_TRUE(write_all(client.get(), "hi"));
  ASSERT_EQ(read_exactly(client.get(), 2), "hi");
  runtime_->stop();
  runtime_->wait();
  EXPECT_TRUE(peer_closed(client.get()));
  server_.reset();  // must neither hang nor touch the dead reactors
}

}  // namespace
}  // namespace gale
