// How much a route costs: Application::match on a literal route (a hash
// lookup) against the same path as a regex route (std::regex_match), and a
// regex route with a capture. Prints one line per case in the shared format.
//
//   bazel run -c opt //bench/http:route_bench
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "http/application.h"

namespace {

using gale::http::Application;
using gale::http::make;
using gale::http::RequestHandler;

class Handler : public RequestHandler {};

void measure(const char* name, const Application& app, const std::string& path,
             int iterations) {
  std::vector<std::string_view> captures;
  size_t matched = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < iterations; ++i) {
    matched += app.match(path, &captures) != nullptr ? 1 : 0;
  }
  const std::chrono::duration<double> took =
      std::chrono::steady_clock::now() - start;
  std::printf("gale route_%s matches=%d seconds=%.3f ns_per_match=%.1f check=%s\n",
              name, iterations, took.count(), took.count() / iterations * 1e9,
              matched == static_cast<size_t>(iterations) ? "ok" : "FAIL");
}

}  // namespace

int main() {
  const Application literal({{"/", make<Handler>()},
                             {"/api/items", make<Handler>()}});
  const Application regex({{"/", make<Handler>()},
                           {R"(/api/item[s])", make<Handler>()}});
  const Application capture({{"/", make<Handler>()},
                             {R"(/api/items/(\d+))", make<Handler>()}});
  measure("literal", literal, "/api/items", 10'000'000);
  measure("regex", regex, "/api/items", 1'000'000);
  measure("regex_capture", capture, "/api/items/12345", 1'000'000);
  return 0;
}
