// Application: the routes of an HTTP service — Tornado's Application. Each
// route is a path pattern and the handler type that answers it; the first
// route whose pattern matches the whole path wins, and its regex captures
// become the handler's path_args().
//
//   auto app = std::make_shared<gale::http::Application>(
//       gale::http::Routes{
//           {"/", gale::http::make<MainHandler>()},
//           {R"(/user/(\d+))", gale::http::make<UserHandler>(users)},
//       });
//
// Patterns without regex syntax (most: "/", "/health", "/api/items") are
// matched by a hash lookup, not by std::regex, which costs microseconds per
// match (docs/benchmarks.md); the routes' order still decides between a
// literal and an earlier regex that both match. make<H>(args...) builds an H
// from copies of `args` for every request.
//
// Thread contract: immutable once built; thread-safe (shared by every
// reactor's connections).
#ifndef GALE_HTTP_APPLICATION_H_
#define GALE_HTTP_APPLICATION_H_

#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "http/request_handler.h"

namespace gale::http {

using HandlerFactory = std::function<std::unique_ptr<RequestHandler>()>;

template <typename H, typename... Args>
HandlerFactory make(Args... args) {
  static_assert(std::is_base_of_v<RequestHandler, H>,
                "make<H>: H must derive from gale::http::RequestHandler");
  return [args...]() -> std::unique_ptr<RequestHandler> {
    return std::make_unique<H>(args...);
  };
}

struct Route {
  std::string pattern;
  HandlerFactory factory;
};
using Routes = std::vector<Route>;

class Application {
 public:
  // Aborts with a message on an invalid regex (a programming error at
  // start-up); use create() to get a status instead.
  explicit Application(Routes routes);
  static absl::StatusOr<std::shared_ptr<Application>> create(Routes routes);

  // The factory of the first route matching `path`, with its captures in
  // `captures` (views into `path`); nullptr if none matches.
  const HandlerFactory* match(std::string_view path,
                              std::vector<std::string_view>* captures) const;

 private:
  struct CompiledRoute {
    size_t order;
    std::regex regex;
    HandlerFactory factory;
  };
  struct LiteralRoute {
    size_t order;
    HandlerFactory factory;
  };
  Application() = default;
  absl::Status add_all(Routes routes);

  absl::flat_hash_map<std::string, LiteralRoute> literals_;
  std::vector<CompiledRoute> regexes_;  // in route order
};

}  // namespace gale::http

#endif  // GALE_HTTP_APPLICATION_H_
