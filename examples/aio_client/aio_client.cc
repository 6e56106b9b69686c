// The seed's http_client.py (--messages=1) and aio_callback_client.py
// (--messages=2, a pause between): connects, sends a JSON message with a
// user, a time and a text, reads the server's answer, pauses, sends again,
// closes. One coroutine on a reactor of the main thread.
//
//   bazel run //examples/aio_client -- --port=8888 --messages=2 --pause_ms=5000
#include <cstdio>
#include <ctime>
#include <exception>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "net/tcp_client.h"
#include "reactor/reactor.h"
#include "reactor/sleep.h"
#include "reactor/spawn.h"
#include "reactor/thread_pool.h"

ABSL_FLAG(std::string, host, "localhost", "server host");
ABSL_FLAG(uint16_t, port, 8888, "server port");
ABSL_FLAG(std::string, user, "Lyon", "send_user");
ABSL_FLAG(std::string, text, "BIO test...", "send_msg");
ABSL_FLAG(int, messages, 2, "messages to send (1: http_client.py)");
ABSL_FLAG(int, pause_ms, 5000, "pause between messages");

namespace {

// JSON string escaping for the few characters a flag can bring in.
std::string json_string(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        quoted += "\\\"";
        break;
      case '\\':
        quoted += "\\\\";
        break;
      case '\n':
        quoted += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
          quoted += escaped;
        } else {
          quoted += c;
        }
    }
  }
  return quoted + "\"";
}

std::string now_text() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &local);
  return text;
}

std::string message() {
  return absl::StrCat(
      "{\"send_user\": ", json_string(absl::GetFlag(FLAGS_user)),
      ", \"send_time\": ", json_string(now_text()),
      ", \"send_msg\": ", json_string(absl::GetFlag(FLAGS_text)), "}");
}

gale::Task<int> client(gale::ThreadPool& pool) {
  gale::TcpClient tcp(pool);
  absl::StatusOr<gale::IOStream> stream =
      co_await tcp.connect(absl::GetFlag(FLAGS_host), absl::GetFlag(FLAGS_port),
                           std::chrono::seconds(5));
  if (!stream.ok()) {
    std::fprintf(stderr, "aio_client: %s\n",
                 stream.status().ToString().c_str());
    co_return 1;
  }
  const int messages = absl::GetFlag(FLAGS_messages);
  for (int i = 0; i < messages; ++i) {
    if (i > 0) {
      co_await gale::sleep(
          std::chrono::milliseconds(absl::GetFlag(FLAGS_pause_ms)));
    }
    (void)co_await stream->write(message());
    if (absl::Status sent = co_await stream->flush(); !sent.ok()) {
      std::fprintf(stderr, "aio_client: %s\n", sent.ToString().c_str());
      co_return 1;
    }
    if (i == 0) {  // the server answers the first message
      absl::StatusOr<std::string_view> answer = co_await stream->read_bytes(2);
      if (!answer.ok()) {
        std::fprintf(stderr, "aio_client: %s\n",
                     answer.status().ToString().c_str());
        co_return 1;
      }
      std::printf("server answered: %.*s\n", static_cast<int>(answer->size()),
                  answer->data());
    }
  }
  std::printf("message(s) sent ...\n");
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto reactor = gale::Reactor::create();
  auto pool = gale::ThreadPool::create({.threads = 1});
  if (!reactor.ok() || !pool.ok()) {
    std::fprintf(stderr, "aio_client: cannot start a reactor or a pool\n");
    return 1;
  }
  try {
    return gale::run_until_complete(**reactor, client(**pool));
  } catch (const std::exception& error) {
    std::fprintf(stderr, "aio_client: %s\n", error.what());
    return 1;
  }
}
