#include "net/io_stream.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "net/errno_status.h"
#include "net/internal/read_buffer.h"
#include "net/internal/send_batch.h"
#include "net/internal/write_queue.h"
#include "reactor/check.h"

namespace gale {
namespace {

constexpr std::string_view kStreamClosedPayload = "gale.dev/stream-closed";
constexpr size_t kNoWait = std::numeric_limits<size_t>::max();
// iovecs per sendmsg: enough for a batch of pipelined responses.
constexpr size_t kMaxIov = 64;

absl::Status stream_closed(std::string_view why) {
  absl::Status status =
      absl::UnavailableError(absl::StrCat("stream closed: ", to_absl(why)));
  status.SetPayload(to_absl(kStreamClosedPayload), absl::Cord());
  return status;
}

absl::Status another_writer_waits() {
  return absl::FailedPreconditionError(
      "IOStream: another task is waiting for the write queue to drain");
}

absl::Status stream_closed_by_errno(int error) {
  return stream_closed(error == ECONNRESET ? "connection reset by peer"
                                           : std::strerror(error));
}

}  // namespace

bool is_stream_closed(const absl::Status& status) {
  return status.GetPayload(to_absl(kStreamClosedPayload)).has_value();
}

namespace internal {

// Everything an IOStream is, at a stable address: awaiters and the fd handler
// point here, and the IOStream handle moves freely.
class StreamState {
 public:
  StreamState(Reactor& reactor, UniqueFd fd, const IOStreamOptions& options,
              bool sole_owner)
      : reactor_(reactor),
        watcher_(&StreamState::on_io_of, this),
        fd_(std::move(fd)),
        no_delay_(options.no_delay),
        sole_owner_(sole_owner),
        batch_flushes_(options.batch_flushes),
        max_buffer_size_(static_cast<uint32_t>(
            std::min(options.max_buffer_size, kMaxBufferLimit))),
        read_chunk_size_(static_cast<uint32_t>(
            std::min(options.read_chunk_size, kMaxBufferLimit))),
        write_high_water_(static_cast<uint32_t>(std::min<size_t>(
            options.write_high_water, std::numeric_limits<uint32_t>::max()))),
        read_timeout_(options.read_timeout) {}

  ~StreamState() {
    close_with(stream_closed("the stream was destroyed"));
    cancel_read_timer();  // its callback names this state, closed or not
    if (destroyed_flag_ != nullptr) *destroyed_flag_ = true;
  }

  absl::Status start() {
    if (no_delay_) {
      const int on = 1;
      // Fails on a socket that is not TCP (a socketpair in tests): harmless.
      (void)::setsockopt(fd_.get(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    }
    // Readable from the start: a new connection's first act is nearly always
    // a read, whose wait then changes nothing (saves an epoll_ctl).
    return register_handler(kReadable);
  }

  // ---- Reading

  // The answer to `request` if it can be given without waiting: from the
  // buffer, from reads the kernel can satisfy now, or an error.
  std::optional<absl::StatusOr<std::string_view>> try_read(
      const ReadRequest& request) {
    buffer_.consume(std::exchange(handed_out_, 0));
    if (reader_ != nullptr) {
      return absl::FailedPreconditionError(
          "IOStream: another read is in progress");
    }
    if (request.kind == ReadRequest::Kind::kBytes &&
        request.bytes > max_buffer_size_) {
      return too_big(absl::StrCat("read_bytes(", request.bytes,
                                  ") exceeds max_buffer_size ",
                                  max_buffer_size_));
    }
    if (auto answer = answer_from_buffer(request)) return answer;
    if (!closed_status_.ok()) return closed_status_;
    // Read at once only if the last read filled its room: otherwise the
    // kernel most likely has nothing, and the selector will say when it has.
    if (!more_is_likely_) return std::nullopt;
    return read_until_answered(request);
  }

  void wait_to_read(ReadAwaiter* reader) {
    reader_ = reader;
    buffer_.release();  // an idle connection holds no read buffer
    want(kReadable);
    // A failed registration closed the stream and answered the reader.
    if (closed()) return;
    if (read_timeout_ > Duration::zero()) arm_read_timer(*reader);
  }

  // The wait's timer stays armed when it ends: the next wait, or the timer
  // firing, sorts it out (see arm_read_timer).
  void forget_reader(ReadAwaiter* reader) {
    if (reader_ == reader) reader_ = nullptr;
  }

  // ---- Writing

  template <typename Bytes>
  absl::Status queue(Bytes&& bytes) {
    if (!closed_status_.ok()) return closed_status_;
    queue_.append(std::forward<Bytes>(bytes));
    return absl::OkStatus();
  }

  // What a write waits for: nothing below the high-water mark, else half.
  size_t write_limit() const {
    return queue_.size() > write_high_water_ ? write_high_water_ / 2 : kNoWait;
  }

  // Sends what the kernel takes now; the status of the stream afterwards.
  absl::Status send_now() {
    if (!closed_status_.ok()) return closed_status_;
    iovec iov[kMaxIov];
    while (!queue_.empty()) {
      msghdr message{};
      message.msg_iov = iov;
      message.msg_iovlen = queue_.gather(iov, kMaxIov);
      // sendmsg rather than writev: MSG_NOSIGNAL, so a peer that went away
      // is an EPIPE status and not a SIGPIPE that kills the process.
      const ssize_t sent = ::sendmsg(fd_.get(), &message, MSG_NOSIGNAL);
      if (sent >= 0) {
        queue_.consume(static_cast<size_t>(sent));
        continue;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      close_with(stream_closed_by_errno(errno));
      return closed_status_;
    }
    return absl::OkStatus();
  }

  size_t pending_write_bytes() const { return queue_.size(); }

  void wait_to_drain(DrainAwaiter* writer) {
    writer_ = writer;
    want(kWritable);
  }

  void forget_writer(DrainAwaiter* writer) {
    if (writer_ == writer) writer_ = nullptr;
  }

  bool has_writer() const { return writer_ != nullptr; }

  // A flush may wait for the thread's send batch: the stream is not already
  // waiting to be writable (a full socket goes on that way).
  bool can_batch_flush() const {
    return batch_flushes_ && (interest_ & kWritable) == 0 &&
           SendBatch::of_this_thread() != nullptr;
  }

  // A flush waits for the batch (rather than for the socket).
  bool has_batched_writer() const {
    return writer_ != nullptr && writer_->batched_;
  }

  void wait_for_batch(DrainAwaiter* writer) {
    writer_ = writer;
    if (in_send_batch_) return;
    in_send_batch_ = true;
    SendBatch::of_this_thread()->enroll(*this, reactor_);
  }

  Gathered gather_for_send(std::span<iovec> iov) const {
    Gathered gathered;
    gathered.buffers = queue_.gather(iov.data(), iov.size());
    for (size_t i = 0; i < gathered.buffers; ++i) {
      gathered.bytes += iov[i].iov_len;
    }
    return gathered;
  }

  // The batch's result for this stream (see send_batch.h); resumes nothing.
  void apply_batched_send(int result, size_t gathered) {
    if (closed()) return;  // the flush has its status already
    if (result < 0) {
      if (result != -EAGAIN && result != -EWOULDBLOCK && result != -EINTR) {
        close_with(stream_closed_by_errno(-result));
        return;
      }
    } else {
      queue_.consume(static_cast<size_t>(result));
    }
    // All that the batch took was sent and more is queued (or the batch took
    // nothing): the stream sends the rest itself.
    if (!queue_.empty() &&
        static_cast<size_t>(std::max(result, 0)) == gathered) {
      if (!send_now().ok()) return;  // closed: the flush has its status
    }
    if (!queue_.empty()) wait_for_room();  // full: on_writable takes over
  }

  // Out of the batch. A waiting flush resumes if nothing is queued; bytes
  // still queued — left by a full socket, or written by a task resumed
  // earlier in this round — go out through the writable path, which then
  // resumes it. The last touch when it resumes.
  void leave_send_batch(bool resume_flush) {
    in_send_batch_ = false;
    if (!resume_flush || closed()) return;
    if (!queue_.empty()) {
      wait_for_room();
      return;
    }
    if (writer_ != nullptr) {
      std::exchange(writer_, nullptr)
          ->finish(absl::OkStatus(), /*resume_now=*/true);
    }
  }

  // The queue waits for the socket: a batched flush among its writers now
  // waits for writability like any other.
  void wait_for_room() {
    if (writer_ != nullptr) writer_->batched_ = false;
    want(kWritable);
  }

  // ---- Closing

  void park(IdleStreams& list) {
    GALE_CHECK(reader_ == nullptr && writer_ == nullptr,
               "IdleStreams::park: a read or write is pending on the stream");
    if (!closed_status_.ok()) return;
    idle_.list = &list;
    buffer_.consume(std::exchange(handed_out_, 0));
    buffer_.release(/*any_size=*/true);
    queue_.release_spare_memory();
    want(kReadable);
  }

  void close_with(absl::Status why) {
    if (!closed_status_.ok()) return;
    closed_status_ = std::move(why);
    if (in_send_batch_) {
      in_send_batch_ = false;
      if (SendBatch* batch = SendBatch::existing()) batch->withdraw(*this);
    }
    if (registered_) {
      (void)(sole_owner_ ? reactor_.remove_handler_before_close(fd_.get())
                         : reactor_.remove_handler(fd_.get()));
    }
    registered_ = false;
    fd_.reset();
    queue_.clear();
    cancel_read_timer();
    if (ReadAwaiter* reader = std::exchange(reader_, nullptr)) {
      reader->finish(closed_status_, /*resume_now=*/false);
    }
    if (DrainAwaiter* writer = std::exchange(writer_, nullptr)) {
      writer->finish(closed_status_, /*resume_now=*/false);
    }
    if (close_hook_ != nullptr) {
      std::exchange(close_hook_, nullptr)(close_context_, *this);
    }
  }

  bool closed() const { return !closed_status_.ok(); }
  size_t buffered() const { return buffer_.size() - handed_out_; }
  std::string_view unconsumed() const {
    return buffer_.view().substr(handed_out_);
  }
  void consume(size_t count) {
    buffer_.consume(std::exchange(handed_out_, 0) + count);
  }
  int fd() const { return fd_.get(); }
  Reactor& reactor() const { return reactor_; }
  void set_read_timeout(Duration timeout) { read_timeout_ = timeout; }
  void set_close_hook(CloseHook hook, void* context) {
    close_hook_ = hook;
    close_context_ = context;
  }
  IdleLink& idle_link() { return idle_; }

 private:
  enum class ReadOutcome { kGot, kWouldBlock, kFull, kClosed };

  absl::Status register_handler(IoEvents interest) {
    absl::Status added = reactor_.add_watcher(fd_.get(), interest, watcher_);
    if (added.ok()) {
      registered_ = true;
      interest_ = static_cast<uint8_t>(interest);
    }
    return added;
  }

  // Adds `events` to the interest; it is dropped lazily, when an event finds
  // nobody waiting, so a stream read in a loop changes nothing per read.
  void want(IoEvents events) {
    if ((interest_ & events) == events && registered_) return;
    interest_ = static_cast<uint8_t>(interest_ | events);
    if (!registered_) {
      if (absl::Status added = register_handler(interest_); !added.ok()) {
        close_with(stream_closed(from_absl(added.message())));
      }
      return;
    }
    (void)reactor_.update_handler(fd_.get(), interest_);
  }

  void drop(IoEvents events) {
    if ((interest_ & events) == 0) return;
    interest_ = static_cast<uint8_t>(interest_ & ~events);
    (void)reactor_.update_handler(fd_.get(), interest_);
  }

  std::optional<absl::StatusOr<std::string_view>> answer_from_buffer(
      const ReadRequest& request) {
    const std::string_view bytes = buffer_.view();
    switch (request.kind) {
      case ReadRequest::Kind::kSome:
        if (bytes.empty()) return std::nullopt;
        return hand_out(bytes.size());
      case ReadRequest::Kind::kBytes:
        if (bytes.size() < request.bytes) return std::nullopt;
        return hand_out(request.bytes);
      case ReadRequest::Kind::kMore:
        if (bytes.size() <= request.bytes) return std::nullopt;
        return bytes;  // nothing handed out: the parser consumes
      case ReadRequest::Kind::kUntil: {
        const size_t limit = std::min<size_t>(request.bytes, max_buffer_size_);
        const size_t found = bytes.find(request.delimiter, scanned_);
        if (found != std::string_view::npos &&
            found + request.delimiter.size() <= limit) {
          return hand_out(found + request.delimiter.size());
        }
        if (found != std::string_view::npos || bytes.size() >= limit) {
          return too_big(absl::StrCat("read_until: no delimiter within ", limit,
                                      " bytes"));
        }
        // Next time, search only what is new (and a delimiter's worth back).
        scanned_ = static_cast<uint32_t>(
            bytes.size() >= request.delimiter.size()
                ? bytes.size() - request.delimiter.size() + 1
                : 0);
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  absl::StatusOr<std::string_view> hand_out(size_t count) {
    handed_out_ = static_cast<uint32_t>(count);
    scanned_ = 0;
    return buffer_.view().substr(0, count);
  }

  absl::Status too_big(const std::string& message) {
    absl::Status status = absl::ResourceExhaustedError(message);
    close_with(stream_closed(from_absl(status.message())));
    return status;
  }

  // Reads until `request` has its answer or the kernel has no more bytes.
  std::optional<absl::StatusOr<std::string_view>> read_until_answered(
      const ReadRequest& request) {
    for (;;) {
      if (auto answer = answer_from_buffer(request)) return answer;
      if (!closed_status_.ok()) return closed_status_;
      switch (read_once()) {
        case ReadOutcome::kGot:
          break;
        case ReadOutcome::kWouldBlock:
          return std::nullopt;
        case ReadOutcome::kFull:
          return too_big(absl::StrCat("read needs more than max_buffer_size ",
                                      max_buffer_size_, " bytes"));
        case ReadOutcome::kClosed:  // buffered bytes first, then the status
          if (auto answer = answer_from_buffer(request)) return answer;
          return closed_status_;
      }
    }
  }

  ReadOutcome read_once() {
    const std::span<char> room =
        buffer_.room_for(chunk_hint_, max_buffer_size_);
    if (room.empty()) return ReadOutcome::kFull;
    for (;;) {
      const ssize_t got = ::read(fd_.get(), room.data(), room.size());
      if (got > 0) {
        buffer_.commit(static_cast<size_t>(got));
        more_is_likely_ = static_cast<size_t>(got) == room.size();
        if (more_is_likely_) {
          chunk_hint_ = static_cast<uint32_t>(
              std::min<size_t>(size_t{chunk_hint_} * 2, read_chunk_size_));
        }
        return ReadOutcome::kGot;
      }
      more_is_likely_ = false;
      if (got == 0) {
        close_with(stream_closed("peer closed the connection"));
        return ReadOutcome::kClosed;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return ReadOutcome::kWouldBlock;
      }
      close_with(stream_closed_by_errno(errno));
      return ReadOutcome::kClosed;
    }
  }

  static void on_io_of(void* self, IoEvents events) {
    static_cast<StreamState*>(self)->on_io(events);
  }

  // The fd handler. Resuming a task may destroy this stream (the task owned
  // it), so each resume is the last touch unless `destroyed` stays false.
  // (GCC sees the flag's address kept past the return on the path where the
  // stream was destroyed, and so no longer exists: not a dangling pointer.)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdangling-pointer"
#endif
  void on_io(IoEvents events) {
    bool destroyed = false;
    destroyed_flag_ = &destroyed;
    if (events & (kWritable | kIoError)) on_writable();
    if (!destroyed && (events & (kReadable | kIoError))) on_readable();
    if (destroyed) return;
    destroyed_flag_ = nullptr;
    if ((events & kIoError) && reader_ == nullptr && writer_ == nullptr &&
        idle_.list == nullptr && registered_) {
      // Hung up with nobody waiting: epoll would report it on every poll.
      // Unregister; the next read or write meets the error itself.
      (void)reactor_.remove_handler(fd_.get());
      registered_ = false;
      interest_ = kNoEvents;
    }
  }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

  void on_readable() {
    if (reader_ == nullptr) {
      if (idle_.list != nullptr) {  // the last touch: the list hands us out
        idle_stream_ready(*idle_.list, *this);
        return;
      }
      drop(kReadable);  // the bytes wait in the kernel: TCP flow control
      return;
    }
    ReadAwaiter* reader = reader_;
    reader_ = nullptr;  // so that a close on the way does not resume it too
    auto answer = read_until_answered(reader->request_);
    if (!answer.has_value()) {
      reader_ = reader;
      return;
    }
    reader->finish(*std::move(answer), /*resume_now=*/true);
  }

  void on_writable() {
    const absl::Status sent = send_now();
    if (sent.ok() && queue_.empty()) drop(kWritable);
    if (writer_ == nullptr) return;
    if (sent.ok() && queue_.size() > writer_->limit_) return;
    std::exchange(writer_, nullptr)->finish(sent, /*resume_now=*/true);
  }

  // A read timer is lazy (nginx's rule): a wait that ends leaves it armed, and
  // a wait that starts while it is armed, due no later than the new deadline,
  // keeps it. A connection that reads request after request with a timeout
  // then schedules one timer per timeout rather than a schedule and a cancel
  // per read. The cost: a timer that fires when no wait needs it, once.
  void arm_read_timer(ReadAwaiter& reader) {
    reader.timeout_ = read_timeout_;
    reader.deadline_ = saturating_add(Clock::now(), read_timeout_);
    if (read_timer_.valid()) {
      const std::optional<TimePoint> armed =
          reactor_.timer_deadline(read_timer_);
      if (armed.has_value() && *armed <= reader.deadline_) return;
      cancel_read_timer();
    }
    schedule_read_timer(reader.deadline_);
  }

  void schedule_read_timer(TimePoint deadline) {
    read_timer_ = reactor_.call_at(deadline, [this] { on_read_timeout(); });
  }

  // Fires at the deadline of some wait, maybe one that ended: times out the
  // wait in progress if its own deadline has come, or moves to it.
  void on_read_timeout() {
    read_timer_ = {};  // fired
    ReadAwaiter* reader = reader_;
    if (reader == nullptr || reader->deadline_ == TimePoint::max()) return;
    if (Clock::now() < reader->deadline_) {
      schedule_read_timer(reader->deadline_);
      return;
    }
    reader_ = nullptr;
    reader->finish(read_timed_out(reader->timeout_), /*resume_now=*/true);
  }

  // The status of a read that timed out. Built once per thread and timeout
  // and then copied (a reference count): a server whose connections linger
  // with a read timeout before parking meets it once per idle connection.
  static absl::Status read_timed_out(Duration timeout) {
    thread_local Duration cached_for = Duration::min();
    thread_local absl::Status cached;
    if (cached_for != timeout) {
      cached = absl::DeadlineExceededError(
          absl::StrCat("IOStream: no bytes within the read timeout of ",
                       absl::FormatDuration(absl::FromChrono(timeout))));
      cached_for = timeout;
    }
    return cached;
  }

  void cancel_read_timer() {
    if (read_timer_.valid()) reactor_.cancel(std::exchange(read_timer_, {}));
  }

  // A server keeps a state per connection, idle ones by the ten thousand:
  // the fields are packed (32-bit sizes, the options the stream uses, hooks
  // as function pointers): 248 bytes, the fd registration included, so
  // malloc's 256-byte class.
  static constexpr size_t kMaxBufferLimit = size_t{1} << 31;

  Reactor& reactor_;
  FdWatcher watcher_;
  UniqueFd fd_;
  uint8_t interest_ = kNoEvents;  // IoEvents, in a byte
  bool no_delay_ : 1;
  // The descriptor has no duplicate (a socket this library accepted or
  // connected): its close alone takes it out of epoll.
  bool sole_owner_ : 1;
  bool registered_ : 1 = false;
  bool more_is_likely_ : 1 = true;  // the last read filled its room
  bool batch_flushes_ : 1;
  bool in_send_batch_ : 1 = false;  // enrolled in the thread's SendBatch
  const uint32_t max_buffer_size_;
  const uint32_t read_chunk_size_;
  const uint32_t write_high_water_;
  uint32_t handed_out_ = 0;  // the last view's bytes, consumed at the next read
  uint32_t scanned_ = 0;     // read_until: searched without a match so far
  uint32_t chunk_hint_ = ReadBuffer::kInitialCapacity;
  Duration read_timeout_;
  ReadBuffer buffer_;
  WriteQueue queue_;
  absl::Status closed_status_;
  ReadAwaiter* reader_ = nullptr;
  DrainAwaiter* writer_ = nullptr;
  // Not a OneShotTimer, which carries a reactor pointer of its own: 8 bytes
  // this 248-byte budget has not got (the stream has reactor_). Armed by a
  // wait with a timeout, maybe one that ended (arm_read_timer).
  TimerId read_timer_{};
  bool* destroyed_flag_ = nullptr;
  CloseHook close_hook_ = nullptr;
  void* close_context_ = nullptr;
  IdleLink idle_;
};
static_assert(sizeof(StreamState) <= 248, "a 256-byte allocation per stream");

// ---- Awaiters

ReadAwaiter::~ReadAwaiter() {
  if (waiting_ && stream_ != nullptr) stream_->forget_reader(this);
}

bool ReadAwaiter::await_ready() {
  auto answer = stream_->try_read(request_);
  if (!answer.has_value()) return false;
  result_ = *std::move(answer);
  return true;
}

bool ReadAwaiter::start_waiting() {
  waiting_ = true;
  stream_->wait_to_read(this);
  return true;
}

absl::StatusOr<std::string_view> ReadAwaiter::await_resume() {
  throw_if_cancelled();
  return std::move(result_);
}

void ReadAwaiter::on_cancel() {
  if (std::exchange(waiting_, false)) stream_->forget_reader(this);
  cancel_and_resume_later();
}

void ReadAwaiter::finish(absl::StatusOr<std::string_view> result,
                         bool resume_now) {
  waiting_ = false;
  result_ = std::move(result);
  if (resume_now) {
    SuspendPoint::resume_now();
  } else {
    resume_later();
  }
}

DrainAwaiter::~DrainAwaiter() {
  if (waiting_ && stream_ != nullptr) stream_->forget_writer(this);
}

bool DrainAwaiter::await_ready() {
  if (!status_.ok()) return true;
  if (stream_->pending_write_bytes() <= limit_) return true;
  // Another task's flush waiting for the send batch does not stand in the
  // way: this one sends at once (the batch then finds less, or nothing).
  const bool batch_pending = stream_->has_batched_writer();
  if (stream_->has_writer() && !batch_pending) {
    status_ = another_writer_waits();
    return true;
  }
  // A flush joins the thread's send batch; a write above the high-water
  // mark sends at once (it is waiting for the peer, not for company).
  if (!batch_pending && limit_ == 0 && stream_->can_batch_flush()) {
    batched_ = true;
    return false;
  }
  status_ = stream_->send_now();
  if (!status_.ok() || stream_->pending_write_bytes() <= limit_) return true;
  if (batch_pending) {
    status_ = another_writer_waits();
    return true;
  }
  return false;
}

bool DrainAwaiter::start_waiting() {
  waiting_ = true;
  if (batched_) {
    stream_->wait_for_batch(this);
  } else {
    stream_->wait_to_drain(this);
  }
  return true;
}

absl::Status DrainAwaiter::await_resume() {
  throw_if_cancelled();
  return std::move(status_);
}

void DrainAwaiter::on_cancel() {
  if (std::exchange(waiting_, false)) stream_->forget_writer(this);
  cancel_and_resume_later();
}

void DrainAwaiter::finish(absl::Status status, bool resume_now) {
  waiting_ = false;
  status_ = std::move(status);
  if (resume_now) {
    SuspendPoint::resume_now();
  } else {
    resume_later();
  }
}

StreamState* state_of(IOStream& stream) { return stream.state_.get(); }

void close_stream(StreamState& state, std::string_view why) {
  state.close_with(stream_closed(why));
}

void set_close_hook(StreamState& state, CloseHook hook, void* context) {
  state.set_close_hook(hook, context);
}

IdleLink& idle_link(StreamState& state) { return state.idle_link(); }

StreamState* release_state(IOStream&& stream) {
  return stream.state_.release();
}

IOStream adopt_state(StreamState* state) {
  return IOStream(std::unique_ptr<StreamState>(state));
}

void park_stream(StreamState& state, IdleStreams& list) { state.park(list); }

int stream_fd(const StreamState& stream) { return stream.fd(); }

Gathered gather_for_send(const StreamState& stream, std::span<iovec> iov) {
  return stream.gather_for_send(iov);
}

void apply_batched_send(StreamState& stream, int result, size_t gathered) {
  stream.apply_batched_send(result, gathered);
}

void leave_send_batch(StreamState& stream, bool resume_flush) {
  stream.leave_send_batch(resume_flush);
}

}  // namespace internal

// ---- IOStream

absl::StatusOr<IOStream> IOStream::create(UniqueFd fd,
                                          const IOStreamOptions& options) {
  return create_stream(std::move(fd), options, /*sole_owner=*/false);
}

absl::StatusOr<IOStream> IOStream::create_stream(UniqueFd fd,
                                                 const IOStreamOptions& options,
                                                 bool sole_owner) {
  Reactor* reactor = Reactor::current();
  if (reactor == nullptr) {
    return absl::FailedPreconditionError(
        "IOStream::create: not on a reactor thread");
  }
  auto state = std::make_unique<internal::StreamState>(*reactor, std::move(fd),
                                                       options, sole_owner);
  if (absl::Status started = state->start(); !started.ok()) return started;
  return IOStream(std::move(state));
}

namespace internal {
absl::StatusOr<IOStream> create_sole_owner_stream(
    UniqueFd fd, const IOStreamOptions& options) {
  return IOStream::create_stream(std::move(fd), options, /*sole_owner=*/true);
}
}  // namespace internal

IOStream::IOStream(std::unique_ptr<internal::StreamState> state)
    : state_(std::move(state)) {}
IOStream::IOStream(IOStream&&) noexcept = default;
IOStream& IOStream::operator=(IOStream&&) noexcept = default;
IOStream::~IOStream() = default;

internal::ReadAwaiter IOStream::read_some(std::source_location where) {
  return internal::ReadAwaiter(
      state_.get(), {internal::ReadRequest::Kind::kSome, 0, {}}, where);
}

internal::ReadAwaiter IOStream::read_bytes(size_t count,
                                           std::source_location where) {
  return internal::ReadAwaiter(
      state_.get(), {internal::ReadRequest::Kind::kBytes, count, {}}, where);
}

internal::ReadAwaiter IOStream::read_until(std::string_view delimiter,
                                           size_t max_bytes,
                                           std::source_location where) {
  return internal::ReadAwaiter(
      state_.get(), {internal::ReadRequest::Kind::kUntil, max_bytes, delimiter},
      where);
}

std::string_view IOStream::buffered() const { return state_->unconsumed(); }

void IOStream::consume(size_t count) { state_->consume(count); }

internal::ReadAwaiter IOStream::fill(std::source_location where) {
  return internal::ReadAwaiter(
      state_.get(),
      {internal::ReadRequest::Kind::kMore, state_->buffered(), {}}, where);
}

internal::DrainAwaiter IOStream::write(std::string_view bytes,
                                       std::source_location where) {
  absl::Status queued = state_->queue(bytes);
  return internal::DrainAwaiter(state_.get(), std::move(queued),
                                state_->write_limit(), where);
}

internal::DrainAwaiter IOStream::write(const char* bytes,
                                       std::source_location where) {
  return write(std::string_view(bytes), where);
}

internal::DrainAwaiter IOStream::write(std::string&& bytes,
                                       std::source_location where) {
  absl::Status queued = state_->queue(std::move(bytes));
  return internal::DrainAwaiter(state_.get(), std::move(queued),
                                state_->write_limit(), where);
}

internal::DrainAwaiter IOStream::flush(std::source_location where) {
  return internal::DrainAwaiter(state_.get(), absl::OkStatus(), 0, where);
}

void IOStream::close() {
  state_->close_with(stream_closed("closed by this side"));
}
bool IOStream::closed() const { return state_->closed(); }
size_t IOStream::pending_write_bytes() const {
  return state_->pending_write_bytes();
}
size_t IOStream::buffered_read_bytes() const { return state_->buffered(); }
void IOStream::set_read_timeout(Duration timeout) {
  state_->set_read_timeout(timeout);
}
int IOStream::fd() const { return state_->fd(); }
Reactor& IOStream::reactor() const { return state_->reactor(); }
absl::StatusOr<SocketAddress> IOStream::peer_address() const {
  return SocketAddress::peer_of(state_->fd());
}

}  // namespace gale
