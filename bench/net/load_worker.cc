#include "bench/net/load_worker.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/str_cat.h"
#include "reactor/status_macros.h"

namespace gale::bench {
namespace {

// How long the echo of what was sent may take to come back after the window.
constexpr int64_t kDrainTimeoutNs = 5'000'000'000;
// Longest single wait, so the window's end is noticed on an idle socket.
constexpr int64_t kMaxWaitNs = 100'000'000;

}  // namespace

LoadWorker::LoadWorker(const LoadOptions& options, const BytePattern& pattern,
                       Window window)
    : options_(options),
      pattern_(pattern),
      window_(window),
      buffer_(kReadBufferBytes),
      events_(256) {}

LoadWorker::~LoadWorker() {
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

absl::Status LoadWorker::run() {
  GALE_RETURN_IF_ERROR(start());
  while (now_ns_ < window_.end_ns) {
    GALE_RETURN_IF_ERROR(poll_once(window_.end_ns));
  }
  return drain();
}

void LoadWorker::add_to(LoadTotals& totals) const {
  totals.bytes += bytes_;
  totals.latencies.merge(latencies_);
  for (const EchoConnection* connection : connections_) {
    if (connection->measured_bytes == 0) ++totals.stalled_connections;
  }
}

// Registers the connections (edge-triggered: each readiness change is
// reported once, and the handlers read and write until the socket would
// block) and sends the first request or window on each.
absl::Status LoadWorker::start() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) return absl::ErrnoToStatus(errno, "epoll_create1");
  now_ns_ = now_ns();
  for (EchoConnection* connection : connections_) {
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLET;
    event.data.ptr = connection;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, connection->fd, &event) != 0) {
      return absl::ErrnoToStatus(errno, "epoll_ctl");
    }
    connection->request_start_ns = now_ns_;
    connection->target = options_.mode == Mode::kPipelined
                             ? pipeline_target(*connection)
                             : connection->sent + options_.message_bytes;
    GALE_RETURN_IF_ERROR(
        write_up_to(*connection, connection->target, pattern_));
  }
  return absl::OkStatus();
}

// Waits (at most until `until_ns`) and handles what is ready.
absl::Status LoadWorker::poll_once(int64_t until_ns) {
  const int64_t wait_ns =
      std::clamp<int64_t>(until_ns - now_ns_, 0, kMaxWaitNs);
  const int timeout_ms = static_cast<int>((wait_ns + 999'999) / 1'000'000);
  const int count = epoll_wait(epoll_fd_, events_.data(),
                               static_cast<int>(events_.size()), timeout_ms);
  now_ns_ = now_ns();
  if (count < 0 && errno != EINTR) return absl::ErrnoToStatus(errno, "epoll");
  for (int i = 0; i < count; ++i) {
    GALE_RETURN_IF_ERROR(
        on_ready(*static_cast<EchoConnection*>(events_[i].data.ptr)));
  }
  return absl::OkStatus();
}

absl::Status LoadWorker::on_ready(EchoConnection& connection) {
  return options_.mode == Mode::kPipelined ? on_pipelined(connection)
                                           : on_request_response(connection);
}

absl::Status LoadWorker::on_request_response(EchoConnection& connection) {
  // The rest of a request the socket could not take at once, if any.
  GALE_RETURN_IF_ERROR(write_up_to(connection, connection.target, pattern_));
  GALE_RETURN_IF_ERROR(read_and_check(connection, pattern_, buffer_));
  if (connection.received < connection.target) return absl::OkStatus();
  // Round trip complete. Read the clock now rather than use now_ns_: events
  // handled earlier in this batch would otherwise count in the latency.
  const int64_t now = now_ns();
  if (window_.contains(now)) {
    latencies_.record(static_cast<uint64_t>(now - connection.request_start_ns));
    bytes_ += options_.message_bytes;
    connection.measured_bytes += options_.message_bytes;
  }
  if (draining_) return absl::OkStatus();
  connection.request_start_ns = now;
  connection.target += options_.message_bytes;
  return write_up_to(connection, connection.target, pattern_);
}

absl::Status LoadWorker::on_pipelined(EchoConnection& connection) {
  const uint64_t before = connection.received;
  GALE_RETURN_IF_ERROR(read_and_check(connection, pattern_, buffer_));
  if (window_.contains(now_ns_)) {
    bytes_ += connection.received - before;
    connection.measured_bytes += connection.received - before;
  }
  if (!draining_) connection.target = pipeline_target(connection);
  return write_up_to(connection, connection.target, pattern_);
}

// Whole messages while they fit in the window; a message begun is finished.
uint64_t LoadWorker::pipeline_target(const EchoConnection& connection) const {
  const uint64_t message = options_.message_bytes;
  const uint64_t fits = (connection.received + options_.window) / message;
  const uint64_t begun = (connection.sent + message - 1) / message;
  return std::max(fits, begun) * message;
}

// Sends nothing new, finishes any message begun, and waits until everything
// sent has been echoed: an echo that falls short fails the run.
absl::Status LoadWorker::drain() {
  draining_ = true;
  const uint64_t message = options_.message_bytes;
  for (EchoConnection* connection : connections_) {
    connection->target = (connection->sent + message - 1) / message * message;
    GALE_RETURN_IF_ERROR(
        write_up_to(*connection, connection->target, pattern_));
  }
  const int64_t deadline = now_ns_ + kDrainTimeoutNs;
  while (!all_echoed()) {
    if (now_ns_ >= deadline) {
      uint64_t missing = 0;
      for (const EchoConnection* connection : connections_) {
        missing += connection->target - connection->received;
      }
      return absl::DeadlineExceededError(absl::StrCat(
          "short echo: ", missing, " bytes sent were not echoed within ",
          kDrainTimeoutNs / 1'000'000'000, " s after the window"));
    }
    GALE_RETURN_IF_ERROR(poll_once(deadline));
  }
  return absl::OkStatus();
}

bool LoadWorker::all_echoed() const {
  return std::all_of(connections_.begin(), connections_.end(),
                     [](const EchoConnection* connection) {
                       return connection->received == connection->target;
                     });
}

}  // namespace gale::bench
