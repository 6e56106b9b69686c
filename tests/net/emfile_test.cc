// A server out of descriptors (EMFILE): it keeps serving the connections it
// has, burns no CPU on the listener that stays readable, and takes the
// clients waiting in the backlog as soon as descriptors are freed. Its own
// binary: it lowers the process's RLIMIT_NOFILE.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "actors/runtime.h"
#include "net/io_stream.h"
#include "net/tcp_server.h"
#include "net/unique_fd.h"
#include "reactor/task.h"
#include "tests/net/net_fixture.h"

namespace gale {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kClients = 30;
// Descriptors left free under the lowered limit: the connections the server
// can accept before it runs out.
constexpr int kFreeSlots = 5;

using ::gale::testing::echo;

int highest_open_fd() {
  int highest = 2;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 1023;  // no /proc: assume a generous range
  while (dirent* entry = ::readdir(dir)) {
    highest = std::max(highest, std::atoi(entry->d_name));
  }
  ::closedir(dir);
  return highest;
}

// Lowers the soft RLIMIT_NOFILE so that exactly `free_slots` descriptors can
// still be opened: holes below the highest open descriptor are plugged
// first. Restores the limit (and closes the plugs) when destroyed.
class FdLimit {
 public:
  explicit FdLimit(int free_slots) {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    const int highest = highest_open_fd();
    for (;;) {
      UniqueFd plug(::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0));
      if (!plug || plug.get() > highest) break;
      plugs_.push_back(std::move(plug));
    }
    rlimit lowered = saved_;
    lowered.rlim_cur = static_cast<rlim_t>(highest) + 1 + free_slots;
    EXPECT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  }
  ~FdLimit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
  FdLimit(const FdLimit&) = delete;
  FdLimit& operator=(const FdLimit&) = delete;

 private:
  rlimit saved_{};
  std::vector<UniqueFd> plugs_;
};

struct Client {
  UniqueFd fd;
  std::string message;
  bool echoed = false;
};

void connect_to(int fd, uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  ASSERT_EQ(
      ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0)
      << std::strerror(errno);
}

// Waits up to `timeout` for bytes on any client not yet echoed; reads and
// checks the echoes that came. The indexes of the clients echoed now.
std::vector<size_t> wait_for_echoes(std::vector<Client>& clients,
                                    milliseconds timeout) {
  std::vector<pollfd> waiting;
  std::vector<size_t> index;
  for (size_t i = 0; i < clients.size(); ++i) {
    if (clients[i].echoed || !clients[i].fd) continue;
    waiting.push_back(pollfd{clients[i].fd.get(), POLLIN, 0});
    index.push_back(i);
  }
  std::vector<size_t> echoed;
  if (waiting.empty()) return echoed;
  if (::poll(waiting.data(), waiting.size(),
             static_cast<int>(timeout.count())) <= 0) {
    return echoed;
  }
  for (size_t k = 0; k < waiting.size(); ++k) {
    if (waiting[k].revents == 0) continue;
    Client& client = clients[index[k]];
    EXPECT_EQ(testing::read_exactly(client.fd.get(), client.message.size()),
              client.message);
    client.echoed = true;
    echoed.push_back(index[k]);
  }
  return echoed;
}

double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds_of = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
}

TEST(EmfileTest, SaturatedServerIdlesAndAcceptsTheBacklogOnceFdsFree) {
  RuntimeOptions runtime_options;
  runtime_options.reactors = 1;
  runtime_options.offload_threads = 1;
  std::unique_ptr<Runtime> runtime = Runtime::start(runtime_options).value();
  TcpServerOptions options;
  options.address = "127.0.0.1";
  options.accept_retry = milliseconds(100);
  absl::StatusOr<std::unique_ptr<TcpServer>> server =
      TcpServer::start(*runtime, options, echo);
  ASSERT_TRUE(server.ok()) << server.status();
  const uint16_t port = (*server)->port();

  // One exchange while descriptors are plentiful: the server works, and the
  // sanitizers have checked (and cached) the types on the echo path — under
  // EMFILE UBSan's vptr check cannot open the pipe it probes memory with.
  {
    UniqueFd warm_up = testing::connect_blocking(port);
    ASSERT_TRUE(testing::write_all(warm_up.get(), "warm up\n"));
    EXPECT_EQ(testing::read_exactly(warm_up.get(), 8), "warm up\n");
    // Its end of the stream lets the server's echo task end and close the
    // socket: the EOF back says the server's descriptor is free again.
    ::shutdown(warm_up.get(), SHUT_WR);
    EXPECT_TRUE(testing::peer_closed(warm_up.get()));
  }

  // The clients' sockets first (they need descriptors too), then the lower
  // limit, then the connects: they complete through the backlog whether or
  // not the server can accept them.
  std::vector<Client> clients(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients[i].fd = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(clients[i].fd);
    clients[i].message = absl::StrCat("client ", i, "\n");
  }
  {
    FdLimit limit(kFreeSlots);
    for (Client& client : clients) {
      connect_to(client.fd.get(), port);
      ASSERT_TRUE(testing::write_all(client.fd.get(), client.message));
    }

    // (a) The server takes what its descriptors allow, and serves those.
    std::vector<size_t> served;
    while (static_cast<int>(served.size()) < kFreeSlots) {
      std::vector<size_t> now = wait_for_echoes(clients, seconds(10));
      ASSERT_FALSE(now.empty())
          << "only " << served.size() << " clients echoed while saturated";
      served.insert(served.end(), now.begin(), now.end());
    }
    EXPECT_EQ(served.size(), static_cast<size_t>(kFreeSlots));
    EXPECT_EQ((*server)->connections(), static_cast<size_t>(kFreeSlots));
    EXPECT_LT((*server)->connections(), static_cast<size_t>(kClients));

    // The accepted ones keep being served while the listener is stuck.
    for (size_t i : served) {
      const std::string again = "again\n";
      ASSERT_TRUE(testing::write_all(clients[i].fd.get(), again));
      EXPECT_EQ(testing::read_exactly(clients[i].fd.get(), again.size()),
                again);
    }

    // (b) Saturated, it idles: no echo can come for the others, and a
    // paused acceptor burns no CPU on the readable listener meanwhile (a
    // spinning one would use about the whole window).
    const double cpu_before = cpu_seconds();
    EXPECT_TRUE(wait_for_echoes(clients, milliseconds(500)).empty());
    const double cpu_used = cpu_seconds() - cpu_before;
    EXPECT_LT(cpu_used, 0.1) << "CPU seconds used while saturated";
    EXPECT_EQ((*server)->connections(), static_cast<size_t>(kFreeSlots));

    // (c) Each closed connection frees a descriptor for one in the backlog:
    // closing every client once echoed gets them all served.
    for (size_t i : served) clients[i].fd.reset();
    int echoed = kFreeSlots;
    while (echoed < kClients) {
      std::vector<size_t> now = wait_for_echoes(clients, seconds(10));
      ASSERT_FALSE(now.empty()) << echoed << " of " << kClients << " echoed";
      echoed += static_cast<int>(now.size());
      for (size_t i : now) clients[i].fd.reset();
    }
    EXPECT_GE((*server)->stats().accepted, static_cast<uint64_t>(kClients));
  }  // the limit is restored here

  (*server)->stop(seconds(1));
  (*server)->wait();
  server->reset();
  runtime->stop();
  runtime->wait();
}

}  // namespace
}  // namespace gale
