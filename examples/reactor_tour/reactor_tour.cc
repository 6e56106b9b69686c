// A tour of one reactor at work: callbacks, a callback posted from another
// thread, timers (one cancelled), a pipe handler fed by a repeating timer, and
// a callback that throws without killing the loop. Every step prints what
// happens and when.
//
//   bazel run -c opt //examples/reactor_tour
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <thread>

#include "reactor/reactor.h"

namespace {

using std::chrono::milliseconds;

gale::TimePoint g_start;

void say(const char* what) {
  const double ms =
      std::chrono::duration<double, std::milli>(gale::Clock::now() - g_start)
          .count();
  std::printf("[%7.3f ms] %s\n", ms, what);
}

// Writes a byte into the pipe every 10 ms, three times.
void feed_pipe(gale::Reactor& reactor, int write_fd, int remaining) {
  if (remaining == 0) return;
  reactor.call_later(milliseconds(10), [&reactor, write_fd, remaining] {
    say("timer: writing one byte into the pipe");
    if (::write(write_fd, "x", 1) != 1) std::perror("write");
    feed_pipe(reactor, write_fd, remaining - 1);
  });
}

}  // namespace

int main() {
  g_start = gale::Clock::now();
  gale::ReactorOptions options;
  options.on_exception = [](const gale::CallbackFailure& failure) {
    try {
      std::rethrow_exception(failure.exception);
    } catch (const std::exception& e) {
      std::printf(
          "[exception handler] callback from line %u threw \"%s\"; loop goes "
          "on\n",
          failure.where.line(), e.what());
    }
  };
  absl::StatusOr<std::unique_ptr<gale::Reactor>> created =
      gale::Reactor::create(std::move(options));
  if (!created.ok()) {
    std::fprintf(stderr, "reactor: %s\n", created.status().ToString().c_str());
    return 1;
  }
  gale::Reactor& reactor = **created;
  std::printf("reactor up, backend %s\n", reactor.backend_name());

  reactor.post([] { say("callback 1 (posted first)"); });
  reactor.post([&reactor] {
    say("callback 2 posts callback 3, which waits for the next iteration");
    reactor.post([] { say("callback 3"); });
  });
  reactor.post([] { throw std::runtime_error("a callback failed"); });

  reactor.call_later(milliseconds(5), [] { say("timer at 5 ms"); });
  gale::TimerId doomed =
      reactor.call_later(milliseconds(7), [] { say("never printed"); });
  reactor.call_later(milliseconds(6), [&reactor, doomed] {
    say(reactor.cancel(doomed) ? "timer at 6 ms cancels the 7 ms timer"
                               : "cancel failed");
  });

  int fds[2];
  if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    std::perror("pipe2");
    return 1;
  }
  int bytes_read = 0;
  absl::Status added =
      reactor.add_handler(fds[0], gale::kReadable, [&](gale::IoEvents) {
        char buffer[64];
        const ssize_t n = ::read(fds[0], buffer, sizeof(buffer));
        if (n <= 0) return;
        bytes_read += static_cast<int>(n);
        say("pipe handler: read a byte");
        if (bytes_read == 3) {
          say("pipe handler: three bytes, removing myself and stopping");
          (void)reactor.remove_handler(fds[0]);
          reactor.stop();
        }
      });
  if (!added.ok()) {
    std::fprintf(stderr, "add_handler: %s\n", added.ToString().c_str());
    return 1;
  }
  feed_pipe(reactor, fds[1], 3);

  std::thread helper([&reactor] {
    reactor.post([] { say("callback posted from another thread"); });
  });

  reactor.run();
  helper.join();
  ::close(fds[0]);
  ::close(fds[1]);

  const gale::ReactorStats stats = reactor.stats();
  std::printf(
      "done: %llu iterations, %llu polls, %llu callbacks, %llu timers fired, "
      "%llu "
      "cancelled, %llu fd events, %llu wakeups written, %llu exceptions\n",
      static_cast<unsigned long long>(stats.iterations),
      static_cast<unsigned long long>(stats.polls),
      static_cast<unsigned long long>(stats.callbacks_run),
      static_cast<unsigned long long>(stats.timers_fired),
      static_cast<unsigned long long>(stats.timers_cancelled),
      static_cast<unsigned long long>(stats.io_events),
      static_cast<unsigned long long>(stats.wakeups_written),
      static_cast<unsigned long long>(stats.exceptions));
  return 0;
}
