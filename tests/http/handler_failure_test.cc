// A handler that throws: the client gets a 500 on a connection that goes on,
// and the reactor's exception handler (here RuntimeOptions::on_exception)
// receives an HttpHandlerError naming the request, with the handler's own
// exception nested in it.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "actors/runtime.h"
#include "http/application.h"
#include "http/http_server.h"
#include "tests/net/net_fixture.h"

namespace gale::http {
namespace {

class BoomHandler : public RequestHandler {
 public:
  Task<> get() override {
    throw std::invalid_argument("boom " + std::string(path_args()[0]));
    co_return;
  }
};

// The status line of the response to `request`, read whole (it is small).
std::string status_line(int fd, std::string_view request) {
  if (!testing::write_all(fd, request)) return "write failed";
  std::string response;
  char buffer[1024];
  while (response.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return "closed";
    response.append(buffer, static_cast<size_t>(n));
  }
  const size_t length_at = response.find("Content-Length: ");
  const size_t body = std::stoul(response.substr(length_at + 16));
  while (response.size() < response.find("\r\n\r\n") + 4 + body) {
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return "closed";
    response.append(buffer, static_cast<size_t>(n));
  }
  return response.substr(0, response.find("\r\n"));
}

TEST(HandlerFailureTest, GoesToTheExceptionHandlerNamingTheRequest) {
  std::mutex mutex;
  std::vector<std::string> reported;  // what(), then the nested what()
  std::promise<void> seen;
  RuntimeOptions runtime_options;
  runtime_options.reactors = 1;
  runtime_options.offload_threads = 1;
  runtime_options.on_exception = [&](const CallbackFailure& failure) {
    std::lock_guard lock(mutex);
    try {
      std::rethrow_exception(failure.exception);
    } catch (const HttpHandlerError& error) {
      reported.push_back(error.what());
      try {
        std::rethrow_if_nested(error);
      } catch (const std::invalid_argument& original) {
        reported.push_back(original.what());
      } catch (...) {
        reported.push_back("another nested exception");
      }
    } catch (...) {
      reported.push_back("not an HttpHandlerError");
    }
    if (reported.size() == 2) seen.set_value();  // the first failure's
  };
  std::unique_ptr<Runtime> runtime = *Runtime::start(runtime_options);
  auto application = std::make_shared<Application>(
      Routes{{R"(/boom/(\w+))", make<BoomHandler>()}});
  HttpServerOptions options;
  options.tcp.address = "127.0.0.1";
  std::unique_ptr<HttpServer> server =
      *HttpServer::start(*runtime, options, application);
  UniqueFd client = testing::connect_blocking(server->port());
  testing::set_blocking(client.get(), true);
  const std::string_view request =
      "GET /boom/x HTTP/1.1\r\nHost: localhost\r\n\r\n";
  EXPECT_EQ(status_line(client.get(), request),
            "HTTP/1.1 500 Internal Server Error");
  seen.get_future().wait();
  // The connection goes on: a second request on it is answered too.
  EXPECT_EQ(status_line(client.get(), request),
            "HTTP/1.1 500 Internal Server Error");
  client.reset();
  server->stop(std::chrono::seconds(5));
  server->wait();
  runtime->stop();
  runtime->wait();
  std::lock_guard lock(mutex);
  ASSERT_EQ(reported.size(), 2u + 2u)
      << "two failures, each with its nested one";
  EXPECT_EQ(reported[0], "GET /boom/x: the handler threw: boom x");
  EXPECT_EQ(reported[1], "boom x");
}

}  // namespace
}  // namespace gale::http
