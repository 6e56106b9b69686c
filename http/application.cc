// GCC 12 with ASan's -O1 sees a maybe-uninitialized std::function inside
// <regex>'s matcher (a false positive in the library's templates, which
// this file instantiates); the warning is an error here, so it is off for
// this file alone.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "http/application.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "net/errno_status.h"

namespace gale::http {
namespace {

// True when `pattern` matches only itself.
bool is_literal(std::string_view pattern) {
  return pattern.find_first_of(R"(\^$.|?*+()[]{})") == std::string_view::npos;
}

}  // namespace

Application::Application(Routes routes) {
  if (absl::Status added = add_all(std::move(routes)); !added.ok()) {
    std::fprintf(stderr, "gale: Application: %s\n", added.ToString().c_str());
    std::abort();
  }
}

absl::StatusOr<std::shared_ptr<Application>> Application::create(
    Routes routes) {
  std::shared_ptr<Application> app(new Application());
  if (absl::Status added = app->add_all(std::move(routes)); !added.ok()) {
    return added;
  }
  return app;
}

absl::Status Application::add_all(Routes routes) {
  for (size_t order = 0; order < routes.size(); ++order) {
    Route& route = routes[order];
    if (!route.factory) {
      return absl::InvalidArgumentError(
          absl::StrCat("route \"", route.pattern, "\" has no handler"));
    }
    if (is_literal(route.pattern)) {
      literals_.try_emplace(route.pattern,
                            LiteralRoute{order, std::move(route.factory)});
      continue;
    }
    try {
      regexes_.push_back(CompiledRoute{
          order, std::regex(route.pattern, std::regex::ECMAScript),
          std::move(route.factory)});
    } catch (const std::regex_error& error) {
      return absl::InvalidArgumentError(
          absl::StrCat("route \"", route.pattern,
                       "\" is not a valid regex: ", error.what()));
    }
  }
  return absl::OkStatus();
}

const HandlerFactory* Application::match(
    std::string_view path, std::vector<std::string_view>* captures) const {
  captures->clear();
  const auto literal = literals_.find(to_absl(path));
  const size_t literal_order =
      literal != literals_.end() ? literal->second.order : SIZE_MAX;
  // Only regex routes declared before the literal one can take precedence.
  for (const CompiledRoute& route : regexes_) {
    if (route.order > literal_order) break;
    std::match_results<std::string_view::const_iterator> match;
    if (std::regex_match(path.begin(), path.end(), match, route.regex)) {
      for (size_t i = 1; i < match.size(); ++i) {
        captures->emplace_back(
            path.data() + (match[i].first - path.begin()),
            match[i].matched ? static_cast<size_t>(match[i].length()) : 0);
      }
      return &route.factory;
    }
  }
  return literal != literals_.end() ? &literal->second.factory : nullptr;
}

}  // namespace gale::http
