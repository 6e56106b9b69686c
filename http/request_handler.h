// RequestHandler: answers one request — Tornado's RequestHandler. Subclass it,
// override the methods you serve (each a coroutine), and route a path to it in
// an Application. A fresh handler is built for every request.
//
//   class MainHandler : public gale::http::RequestHandler {
//    public:
//     gale::Task<> get() override {
//       write("Hello, world");
//       co_return;
//     }
//   };
//   class UserHandler : public gale::http::RequestHandler {
//    public:
//     gale::Task<> get() override {            // route R"(/user/(\d+))"
//       auto name = co_await users_.ask(Lookup{path_args()[0]});
//       write(name);
//     }
//     gale::Task<> post() override {
//       if (request().body().empty()) co_return send_error(400);
//       set_status(201);
//       write(request().body());
//     }
//   };
//
// - The response goes out when the method returns (Content-Length), or in
//   pieces with `co_await flush()` (chunked); finish() ends it early.
// - A method the handler does not override answers 405. HEAD runs get()
//   and sends its headers (Content-Length included) without the body.
// - A method that throws answers 500 (if nothing was sent yet; else the
//   connection closes) and the exception goes to the reactor's exception
//   handler as an HttpHandlerError (by default: logged); the connection goes
//   on.
// - write(json) takes any value with a dump() member (nlohmann::json, for
//   one) and sets Content-Type: application/json.
//
// Thread contract: Reactor thread only (the connection's).
#ifndef GALE_HTTP_REQUEST_HANDLER_H_
#define GALE_HTTP_REQUEST_HANDLER_H_

#include <concepts>
#include <cstddef>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "http/request.h"
#include "http/response.h"
#include "reactor/internal/frame_pool.h"
#include "reactor/task.h"

namespace gale {
class IOStream;
}

namespace gale::http {

namespace internal {
class ConnectionAccess;
}  // namespace internal

// What the reactor's exception handler (ReactorOptions::on_exception,
// RuntimeOptions::on_exception) receives when a handler throws — the request
// was answered 500 and the connection goes on: it names the request ("GET
// /user/7: the handler threw: ..."), and the handler's own exception is
// nested in it (std::rethrow_if_nested gets it back).
class HttpHandlerError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RequestHandler {
 public:
  RequestHandler() = default;
  virtual ~RequestHandler() = default;
  RequestHandler(const RequestHandler&) = delete;
  RequestHandler& operator=(const RequestHandler&) = delete;

  // A handler is built and destroyed per request: its memory comes from the
  // thread's free lists (those of task frames), so that a steady stream of
  // requests allocates nothing. The delete of a derived handler gets the
  // derived size (the destructor is virtual).
  static void* operator new(size_t size) {
    return ::gale::internal::FramePool::allocate(size);
  }
  static void operator delete(void* handler, size_t size) noexcept {
    ::gale::internal::FramePool::release(handler, size);
  }
  // A handler with over-aligned members gets the global aligned allocation
  // (the pools' blocks are 16-byte aligned); placement new stays available.
  static void* operator new(size_t size, std::align_val_t alignment) {
    return ::operator new(size, alignment);
  }
  static void operator delete(void* handler,
                              std::align_val_t alignment) noexcept {
    ::operator delete(handler, alignment);
  }
  static void* operator new(size_t, void* where) noexcept { return where; }
  static void operator delete(void*, void*) noexcept {}

  // Before the method (Tornado's prepare); may answer itself (send_error,
  // finish), and then the method is skipped.
  virtual void prepare() {}
  // After the response went out (or failed).
  virtual void on_finish() {}

  virtual Task<void> get();
  virtual Task<void> head();  // default: get() without the body
  virtual Task<void> post();
  virtual Task<void> put();
  virtual Task<void> patch();
  virtual Task<void> del();  // DELETE
  virtual Task<void> options();

 protected:
  const Request& request() const { return *request_; }
  // The route's regex captures, in order.
  const std::vector<std::string_view>& path_args() const { return *path_args_; }

  void set_status(int status) { response_->set_status(status); }
  void set_header(std::string_view name, std::string_view value) {
    response_->set_header(name, value);
  }
  void write(std::string_view bytes) { response_->append_body(bytes); }
  template <typename Json>
  requires requires(const Json& json) {
    { json.dump() } -> std::convertible_to<std::string>;
  }
  void write(const Json& json) {
    set_header("Content-Type", "application/json; charset=UTF-8");
    write(std::string_view(json.dump()));
  }
  // Sends what was written so far (headers first: chunked from here on).
  Task<absl::Status> flush();
  // Ends the response now; later writes are ignored.
  void finish() { finished_ = true; }
  // Replaces the response with an error page for `status`.
  void send_error(int status, std::string_view message = {});

 private:
  friend class internal::ConnectionAccess;
  const Request* request_ = nullptr;
  Response* response_ = nullptr;
  IOStream* stream_ = nullptr;
  const std::vector<std::string_view>* path_args_ = nullptr;
  std::string* scratch_ = nullptr;  // the connection's, for flush()
  bool finished_ = false;
};

}  // namespace gale::http

#endif  // GALE_HTTP_REQUEST_HANDLER_H_
