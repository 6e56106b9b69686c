// The allocation promise of the HTTP server's request path, checked by counting
// every malloc in the process: once warmed up, keep-alive requests answered
// by a handler (built per request, as Tornado's) allocate nothing — parser,
// handler, response and write queue all reuse their memory. Skipped under
// sanitizers, which own malloc.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "actors/runtime.h"
#include "bench/common/alloc_counter.h"
#include "http/application.h"
#include "http/http_server.h"
#include "tests/net/net_fixture.h"

namespace gale::http {
namespace {

class HelloHandler : public RequestHandler {
 public:
  Task<> get() override {
    write("Hello, world");
    co_return;
  }
};

constexpr std::string_view kRequest =
    "GET /hello?name=x HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test\r\n\r\n";

// Sends one request and reads its whole response (its body ends the message:
// "Hello, world"), into a fixed buffer: the client allocates nothing either.
bool round_trip(int fd) {
  if (!testing::write_all(fd, kRequest)) return false;
  char buffer[1024];
  size_t got = 0;
  while (got < sizeof(buffer)) {
    const ssize_t n = ::recv(fd, buffer + got, sizeof(buffer) - got, 0);
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
    const std::string_view response(buffer, got);
    if (response.ends_with("\r\n\r\nHello, world")) {
      return response.starts_with("HTTP/1.1 200 OK\r\n");
    }
  }
  return false;
}

// Waits (spinning, bounded) until the server has parked `count` connections.
bool parked_by_now(const HttpServer& server, uint64_t count) {
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server.parked_total() < count) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::yield();
  }
  return true;
}

// Serves 2,000 keep-alive requests after 2,000 of warm-up and returns the
// mallocs of the second half; `parked`: how many times the connection was
// parked meanwhile. With `park_each`, the client sends each request only once
// the server has parked the connection.
uint64_t allocations_over_requests(Duration park_after, bool park_each,
                                   uint64_t* parked) {
  RuntimeOptions runtime_options;
  runtime_options.reactors = 1;
  runtime_options.offload_threads = 1;
  std::unique_ptr<Runtime> runtime = *Runtime::start(runtime_options);
  auto application =
      std::make_shared<Application>(Routes{{"/hello", make<HelloHandler>()}});
  HttpServerOptions options;
  options.tcp.address = "127.0.0.1";
  options.park_after = park_after;
  std::unique_ptr<HttpServer> server =
      *HttpServer::start(*runtime, options, application);
  UniqueFd client = testing::connect_blocking(server->port());
  testing::set_blocking(client.get(), true);
  uint64_t allocations = 0;
  for (int half = 0; half < 2; ++half) {
    const uint64_t before = bench::allocations();
    for (int i = 0; i < 2000; ++i) {
      if (!round_trip(client.get())) {
        ADD_FAILURE() << "request " << i << " failed";
        break;
      }
      if (park_each && !parked_by_now(*server, half * 2000 + i + 1)) {
        ADD_FAILURE() << "the connection was not parked after request " << i;
        break;
      }
    }
    allocations = bench::allocations() - before;
  }
  client.reset();
  server->stop(std::chrono::seconds(5));
  server->wait();
  *parked = server->parked_total();
  runtime->stop();
  runtime->wait();
  return allocations;
}

TEST(HttpAllocationTest, KeepAliveRequestsAllocateNothing) {
  if (!bench::allocation_counting_works()) {
    GTEST_SKIP() << "allocations are not counted under sanitizers";
  }
  // The request path only: a stalled test machine must not park the
  // connection between two requests.
  uint64_t parked = 0;
  EXPECT_EQ(allocations_over_requests(std::chrono::seconds(30),
                                      /*park_each=*/false, &parked),
            0u)
      << "over 2,000 requests";
  EXPECT_EQ(parked, 0u);
}

// Every request finds its connection parked (a microsecond of linger, and the
// client waits for the park): the park, and the task spawned again when bytes
// come, allocate nothing either.
TEST(HttpAllocationTest, RequestsOnParkedConnectionsAllocateNothing) {
  if (!bench::allocation_counting_works()) {
    GTEST_SKIP() << "allocations are not counted under sanitizers";
  }
  uint64_t parked = 0;
  EXPECT_EQ(allocations_over_requests(std::chrono::microseconds(1),
                                      /*park_each=*/true, &parked),
            0u)
      << "over 2,000 requests";
  EXPECT_EQ(parked, 4000u);
}

}  // namespace
}  // namespace gale::http
