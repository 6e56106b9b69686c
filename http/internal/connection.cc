#include "http/internal/connection.h"

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "http/chunked_decoder.h"
#include "http/internal/connection_access.h"
#include "http/percent.h"
#include "http/request.h"
#include "http/request_parser.h"
#include "http/response.h"

namespace gale::http::internal {
namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace

// The state of a connection while it answers requests: kept by the reactor's
// registry between uses, so its buffers keep their capacity.
class Connection {
 public:
  Connection(const HttpServer::Shared& shared, ConnectionRegistry& registry)
      : shared_(shared),
        options_(shared.options),
        registry_(registry),
        parser_(options_.limits),
        decoder_(options_.limits.max_body),
        deadline_(registry.reactor()),
        stream_(nullptr) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Serves requests on `stream` until it closes (nullopt) or waits for its
  // next request (the stream, to be parked).
  Task<std::optional<IOStream>> run(IOStream stream);

  // Back to the spares (also when the frame was destroyed mid-request).
  void end_use() {
    deadline_.cancel();
    stream_ = nullptr;
  }

  // The server is stopping: a connection still waiting for its first
  // request closes now (the others answer their current one, then close).
  void drain() {
    if ((waiting_first_ || lingering_) && stream_ != nullptr) stream_->close();
  }

 private:
  enum class Step { kGo, kClose, kPark };
  Task<void> serve_requests();

  Task<Step> read_head(size_t* head_bytes);
  Task<Step> read_body(size_t head_bytes, std::string_view* body,
                       size_t* consumed);
  Task<void> answer(std::string_view body);
  Task<void> run_handler(RequestHandler& handler);
  Task<void> answer_error(int status);
  void report_handler_failure(const std::exception_ptr& failure);
  Task<bool> flush_responses();
  Task<bool> send_continue_if_expected(size_t head_bytes, uint64_t body_bytes);
  void expire() { stream_->close(); }
  // The head's views follow the stream's buffer when a fill moved it.
  void follow_buffer() {
    const char* now = stream_->buffered().data();
    if (now != base_) head_.rebase(base_, now);
    base_ = now;
  }

  const HttpServer::Shared& shared_;
  const HttpServerOptions& options_;
  ConnectionRegistry& registry_;
  RequestParser parser_;
  ChunkedDecoder decoder_;
  OneShotTimer deadline_;
  RequestHead head_;
  const char* base_ = nullptr;  // where head_'s views point
  std::string path_;            // percent-decoded, reused
  std::string chunked_body_;    // reused
  std::string out_;             // response bytes, reused
  std::vector<std::string_view> captures_;
  Response response_;
  IOStream* stream_;            // while run() runs
  size_t unflushed_ = 0;        // responses queued since the last flush
  size_t served_ = 0;           // requests answered in this run
  bool waiting_first_ = false;  // no byte of a request yet in this run
  bool lingering_ = false;      // between requests, before parking
  bool park_ = false;           // the stream waits for its next request
};

Task<std::optional<IOStream>> Connection::run(IOStream stream) {
  stream_ = &stream;
  unflushed_ = 0;
  served_ = 0;
  waiting_first_ = false;
  lingering_ = false;
  park_ = false;
  parser_.reset();
  co_await serve_requests();
  deadline_.cancel();
  stream_ = nullptr;
  if (!park_) co_return std::nullopt;  // the stream closes with the frame
  co_return std::move(stream);
}

Task<void> Connection::serve_requests() {
  for (;;) {
    size_t head_bytes = 0;
    const Step step = co_await read_head(&head_bytes);
    if (step == Step::kPark) park_ = true;
    if (step != Step::kGo) co_return;
    std::string_view body;
    size_t consumed = head_bytes;
    if (co_await read_body(head_bytes, &body, &consumed) == Step::kClose) {
      co_return;
    }
    co_await answer(body);
    stream_->consume(consumed);
    ++unflushed_;
    ++served_;
    if (response_.closing()) {
      (void)co_await stream_->flush();
      co_return;
    }
    if (unflushed_ >= options_.max_pipelined && !co_await flush_responses()) {
      co_return;
    }
  }
}

// Parses what is buffered; waits for more (flushing the responses queued so
// far first) until a head is complete. Answers a bad head and closes.
Task<Connection::Step> Connection::read_head(size_t* head_bytes) {
  for (;;) {
    const std::string_view buffered = stream_->buffered();
    const ParseResult parsed = parser_.parse(buffered, &head_);
    if (parsed.kind == ParseResult::Kind::kComplete) {
      deadline_.cancel();
      waiting_first_ = false;
      base_ = buffered.data();
      *head_bytes = parsed.head_bytes;
      co_return Step::kGo;
    }
    if (parsed.kind == ParseResult::Kind::kError) {
      co_await answer_error(parsed.status);
      co_return Step::kClose;
    }
    if (!co_await flush_responses()) co_return Step::kClose;
    if (buffered.empty()) {
      if (registry_.draining()) co_return Step::kClose;
      if (served_ > 0) {
        // Between requests: linger for the next one, then park the stream.
        lingering_ = true;
        stream_->set_read_timeout(options_.park_after);
        absl::StatusOr<std::string_view> more = co_await stream_->fill();
        stream_->set_read_timeout(Duration::zero());
        lingering_ = false;
        if (absl::IsDeadlineExceeded(more.status())) co_return Step::kPark;
        if (!more.ok()) co_return Step::kClose;
        // The header timeout starts below if the head came incomplete: a
        // whole one, the common case, costs no timer.
        continue;
      }
      // A connection's (or an unparked one's) first request: read it now.
      if (!waiting_first_) {
        waiting_first_ = true;
        deadline_.arm(options_.idle_timeout, [this] { expire(); });
      }
    } else if (waiting_first_ || !deadline_.armed()) {
      // slowloris: the whole head within header_timeout of its first byte
      waiting_first_ = false;
      deadline_.arm(options_.header_timeout, [this] { expire(); });
    }
    absl::StatusOr<std::string_view> more = co_await stream_->fill();
    if (!more.ok()) co_return Step::kClose;
  }
}

Task<bool> Connection::send_continue_if_expected(size_t head_bytes,
                                                 uint64_t body_bytes) {
  if (!head_.expect_continue || head_.version_minor != 1 ||
      stream_->buffered().size() - head_bytes >= body_bytes) {
    co_return true;
  }
  (void)co_await stream_->write(kContinue);
  co_return (co_await stream_->flush()).ok();
}

Task<Connection::Step> Connection::read_body(size_t head_bytes,
                                             std::string_view* body,
                                             size_t* consumed) {
  if (head_.body == RequestHead::BodyKind::kContentLength &&
      head_.content_length > 0) {
    const size_t total = head_bytes + head_.content_length;
    if (!co_await send_continue_if_expected(head_bytes, head_.content_length)) {
      co_return Step::kClose;
    }
    if (stream_->buffered().size() < total) {
      deadline_.arm(options_.body_timeout, [this] { expire(); });
      while (stream_->buffered().size() < total) {
        if (!(co_await stream_->fill()).ok()) co_return Step::kClose;
      }
      deadline_.cancel();
      follow_buffer();
    }
    *body = stream_->buffered().substr(head_bytes, head_.content_length);
    *consumed = total;
  } else if (head_.body == RequestHead::BodyKind::kChunked) {
    if (!co_await send_continue_if_expected(head_bytes, 1)) {
      co_return Step::kClose;
    }
    decoder_.reset();
    chunked_body_.clear();
    size_t offset = head_bytes;
    bool waited = false;
    for (;;) {
      const DecodeResult decoded =
          decoder_.decode(stream_->buffered().substr(offset), &chunked_body_);
      offset += decoded.consumed;
      if (decoded.status != 0) {
        follow_buffer();
        co_await answer_error(decoded.status);
        co_return Step::kClose;
      }
      if (decoded.done) break;
      if (!waited) {
        waited = true;
        deadline_.arm(options_.body_timeout, [this] { expire(); });
      }
      if (!(co_await stream_->fill()).ok()) co_return Step::kClose;
    }
    deadline_.cancel();
    follow_buffer();
    *body = chunked_body_;
    *consumed = offset;
  }
  co_return Step::kGo;
}

Task<void> Connection::answer(std::string_view body) {
  response_.reset(head_.method == Method::kHead, head_.version_minor);
  response_.set_close(!head_.keep_alive || registry_.draining());
  path_.clear();
  if (!percent_decode(head_.path, &path_, /*plus_as_space=*/false)) {
    co_await answer_error(400);
    co_return;
  }
  const HandlerFactory* factory = shared_.application->match(path_, &captures_);
  std::unique_ptr<RequestHandler> handler =
      factory != nullptr ? (*factory)() : nullptr;
  Request request(head_, body, path_);
  out_.clear();
  if (handler == nullptr) {
    RequestHandler not_found;
    ConnectionAccess::bind(not_found, request, response_, *stream_, captures_,
                           out_);
    ConnectionAccess::send_error(not_found, 404);
  } else {
    ConnectionAccess::bind(*handler, request, response_, *stream_, captures_,
                           out_);
    co_await run_handler(*handler);
  }
  out_.clear();
  // A stop that began while the handler ran: this response is the last.
  if (registry_.draining()) response_.set_close(true);
  if (response_.headers_sent()) {
    response_.serialize_end_into(out_);
  } else {
    response_.serialize_into(out_);
  }
  (void)co_await stream_->write(std::string_view(out_));
  if (handler != nullptr) handler->on_finish();
}

Task<void> Connection::run_handler(RequestHandler& handler) {
  std::exception_ptr failure;
  try {
    handler.prepare();
    if (!ConnectionAccess::finished(handler)) {
      switch (head_.method) {
        case Method::kGet:
          co_await handler.get();
          break;
        case Method::kHead:
          co_await handler.head();
          break;
        case Method::kPost:
          co_await handler.post();
          break;
        case Method::kPut:
          co_await handler.put();
          break;
        case Method::kPatch:
          co_await handler.patch();
          break;
        case Method::kDelete:
          co_await handler.del();
          break;
        case Method::kOptions:
          co_await handler.options();
          break;
        case Method::kConnect:
        case Method::kTrace:
          ConnectionAccess::send_error(handler, 405);
          break;
        case Method::kOther:  // the framing may be unknown too: close
          response_.set_close(true);
          ConnectionAccess::send_error(handler, 501);
          break;
      }
    }
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    report_handler_failure(failure);
    ConnectionAccess::send_error(handler, 500);
  }
}

// To the reactor's exception handler (ReactorOptions::on_exception, by
// default a log line): an HttpHandlerError naming the request, with the
// handler's exception nested in it (std::rethrow_if_nested gets it back).
void Connection::report_handler_failure(const std::exception_ptr& failure) {
  const std::string request =
      std::string(head_.method_text) + " " + path_ + ": the handler threw: ";
  std::exception_ptr reported;
  try {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& error) {
      std::throw_with_nested(HttpHandlerError(request + error.what()));
    } catch (...) {
      std::throw_with_nested(HttpHandlerError(request + "unknown exception"));
    }
  } catch (...) {
    reported = std::current_exception();
  }
  registry_.reactor().report_failure(reported);
}

// A request the parser refused: its status, then the connection closes.
Task<void> Connection::answer_error(int status) {
  response_.reset(/*head_request=*/false, /*version_minor=*/1);
  response_.set_close(true);
  Request request(head_, {}, {});
  RequestHandler page;
  ConnectionAccess::bind(page, request, response_, *stream_, captures_, out_);
  ConnectionAccess::send_error(page, status);
  out_.clear();
  response_.serialize_into(out_);
  (void)co_await stream_->write(std::string_view(out_));
  (void)co_await stream_->flush();
}

Task<bool> Connection::flush_responses() {
  if (unflushed_ == 0) co_return true;
  unflushed_ = 0;
  co_return (co_await stream_->flush()).ok();
}

// ---- ConnectionRegistry

ConnectionRegistry::ConnectionRegistry(Reactor& reactor,
                                       HttpServer::Shared& shared,
                                       std::weak_ptr<HttpServer::Shared> owner)
    : reactor_(reactor),
      shared_(shared),
      owner_(std::move(owner)),
      parked_(reactor, shared.options.idle_timeout,
              [this](IOStream stream) { unpark(std::move(stream)); }) {}

// drain() ran on the reactor (at the stop, or as the runtime ended the
// server): nothing is parked any more, and nothing here touches the reactor.
ConnectionRegistry::~ConnectionRegistry() = default;

Task<void> ConnectionRegistry::serve(
    [[maybe_unused]] std::shared_ptr<HttpServer::Shared> shared,
    ConnectionRegistry* registry, IOStream stream) {
  // Counted busy until this frame goes, however it goes (the runtime may
  // destroy it mid-request); destroyed before `shared`, a parameter.
  struct Busy {
    ConnectionRegistry* registry;
    std::unique_ptr<Connection> connection;
    ~Busy() {
      if (connection == nullptr) return;
      connection->end_use();
      registry->busy_.erase(connection.get());
      registry->give_back(std::move(connection));
    }
  } busy{registry, registry->take_connection()};
  registry->busy_.insert(busy.connection.get());
  std::optional<IOStream> waiting =
      co_await busy.connection->run(std::move(stream));
  if (waiting.has_value()) registry->park(*std::move(waiting));
}

std::unique_ptr<Connection> ConnectionRegistry::take_connection() {
  if (spare_connections_.empty()) {
    return std::make_unique<Connection>(shared_, *this);
  }
  std::unique_ptr<Connection> connection = std::move(spare_connections_.back());
  spare_connections_.pop_back();
  return connection;
}

void ConnectionRegistry::give_back(std::unique_ptr<Connection> connection) {
  if (spare_connections_.size() < kMaxSpares) {
    spare_connections_.push_back(std::move(connection));
  }
}

void ConnectionRegistry::park(IOStream stream) {
  if (draining_) return;  // closes with `stream`
  parked_.park(std::move(stream));
}

void ConnectionRegistry::unpark(IOStream stream) {
  std::shared_ptr<HttpServer::Shared> shared = owner_.lock();
  if (shared == nullptr) return;  // the server is gone: the stream closes
  gale::spawn(reactor_, serve(std::move(shared), this, std::move(stream)));
}

void ConnectionRegistry::drain() {
  draining_ = true;
  parked_.close_all();
  const std::vector<Connection*> busy(busy_.begin(), busy_.end());
  for (Connection* connection : busy) connection->drain();
}

}  // namespace gale::http::internal
