// bind_sockets: listeners as Tornado opens them, and errors that name the
// address.
#include "net/bind_sockets.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

namespace gale {
namespace {

bool has_ipv6_loopback() {
  UniqueFd fd(::socket(AF_INET6, SOCK_STREAM, 0));
  if (!fd) return false;
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  return ::bind(fd.get(), reinterpret_cast<sockaddr*>(&address),
                sizeof(address)) == 0;
}

int socket_option(int fd, int level, int option) {
  int value = 0;
  socklen_t length = sizeof(value);
  ::getsockopt(fd, level, option, &value, &length);
  return value;
}

TEST(BindSocketsTest, PortZeroPicksAFreePortAndReportsIt) {
  auto listeners = bind_sockets(0, "127.0.0.1");
  ASSERT_TRUE(listeners.ok()) << listeners.status();
  ASSERT_EQ(listeners->size(), 1u);
  const Listener& listener = listeners->front();
  EXPECT_NE(listener.address.port(), 0);
  EXPECT_EQ(listener.address.to_string(),
            "127.0.0.1:" + std::to_string(listener.address.port()));
  EXPECT_EQ(socket_option(listener.fd.get(), SOL_SOCKET, SO_ACCEPTCONN), 1);
  EXPECT_EQ(socket_option(listener.fd.get(), SOL_SOCKET, SO_REUSEADDR), 1);
  EXPECT_EQ(socket_option(listener.fd.get(), SOL_SOCKET, SO_REUSEPORT), 0);
}

TEST(BindSocketsTest, EmptyAddressListensOnIpv4AndV6OnlyIpv6WithOnePort) {
  if (!has_ipv6_loopback()) GTEST_SKIP() << "no IPv6 on this host";
  auto listeners = bind_sockets(0, "");
  ASSERT_TRUE(listeners.ok()) << listeners.status();
  ASSERT_EQ(listeners->size(), 2u);
  const uint16_t port = (*listeners)[0].address.port();
  bool v4 = false;
  bool v6 = false;
  for (const Listener& listener : *listeners) {
    EXPECT_EQ(listener.address.port(), port) << "one port to announce";
    if (listener.address.family() == AF_INET) v4 = true;
    if (listener.address.family() == AF_INET6) {
      v6 = true;
      EXPECT_EQ(socket_option(listener.fd.get(), IPPROTO_IPV6, IPV6_V6ONLY), 1);
      EXPECT_EQ(listener.address.to_string(), "[::]:" + std::to_string(port));
    }
  }
  EXPECT_TRUE(v4 && v6);
}

TEST(BindSocketsTest, Ipv6Loopback) {
  if (!has_ipv6_loopback()) GTEST_SKIP() << "no IPv6 on this host";
  auto listeners = bind_sockets(0, "::1");
  ASSERT_TRUE(listeners.ok()) << listeners.status();
  EXPECT_EQ(listeners->front().address.family(), AF_INET6);
}

TEST(BindSocketsTest, AddressInUseNamesTheAddress) {
  auto first = bind_sockets(0, "127.0.0.1");
  ASSERT_TRUE(first.ok()) << first.status();
  const uint16_t port = first->front().address.port();
  auto second = bind_sockets(port, "127.0.0.1");
  ASSERT_FALSE(second.ok());
  const std::string message(second.status().message());
  EXPECT_NE(message.find("127.0.0.1:" + std::to_string(port)),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("in use"), std::string::npos) << message;
}

TEST(BindSocketsTest, ReusePortLetsSeveralListenersShareAPort) {
  BindOptions options;
  options.reuse_port = true;
  auto first = bind_sockets(0, "127.0.0.1", options);
  ASSERT_TRUE(first.ok()) << first.status();
  const uint16_t port = first->front().address.port();
  auto second = bind_sockets(port, "127.0.0.1", options);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->front().address.port(), port);
  EXPECT_EQ(socket_option(second->front().fd.get(), SOL_SOCKET, SO_REUSEPORT),
            1);
}

TEST(BindSocketsTest, FamilyCanBeChosen) {
  BindOptions options;
  options.family = AF_INET;
  auto listeners = bind_sockets(0, "", options);
  ASSERT_TRUE(listeners.ok()) << listeners.status();
  ASSERT_EQ(listeners->size(), 1u);
  EXPECT_EQ(listeners->front().address.to_string().rfind("0.0.0.0:", 0), 0u);
}

TEST(BindSocketsTest, UnresolvableAddressIsAnError) {
  auto listeners = bind_sockets(0, "no-such-host.invalid");
  ASSERT_FALSE(listeners.ok());
  EXPECT_NE(std::string(listeners.status().message()).find("no-such-host"),
            std::string::npos)
      << listeners.status();
}

TEST(BindSocketsTest, NonBlockingAndCloseOnExec) {
  auto listeners = bind_sockets(0, "127.0.0.1");
  ASSERT_TRUE(listeners.ok()) << listeners.status();
  const int fd = listeners->front().fd.get();
  EXPECT_NE(::fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
  EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
}

}  // namespace
}  // namespace gale
