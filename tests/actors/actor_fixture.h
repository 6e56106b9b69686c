// Shared by the actor suites: a runtime per test (1 or 2 reactors, as the
// test's parameter) and helpers to read a failed future's status code.
#ifndef GALE_TESTS_ACTORS_ACTOR_FIXTURE_H_
#define GALE_TESTS_ACTORS_ACTOR_FIXTURE_H_

#include <gtest/gtest.h>

#include <exception>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "actors/runtime.h"
#include "reactor/future.h"
#include "reactor/outcome.h"

namespace gale::testing {

inline std::unique_ptr<Runtime> start_runtime(size_t reactors) {
  RuntimeOptions options;
  options.reactors = reactors;
  options.offload_threads = 1;
  absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::start(options);
  EXPECT_TRUE(runtime.ok()) << runtime.status();
  return *std::move(runtime);
}

inline absl::StatusCode code_of(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const StatusError& e) {
    return e.status().code();
  } catch (...) {
    return absl::StatusCode::kUnknown;
  }
}

// Waits for `future` (off any reactor) and returns how it failed (kOk if not).
template <typename T>
absl::StatusCode failure_of(Future<T> future) {
  try {
    std::move(future).get();
  } catch (...) {
    return code_of(std::current_exception());
  }
  return absl::StatusCode::kOk;
}

// Every actor suite runs against 1 and 2 reactors: the same results.
class RuntimeTest : public ::testing::TestWithParam<size_t> {
 protected:
  // A T that outlives the runtime: what actors point at must still exist
  // when the runtime's shutdown runs their on_stop.
  template <typename T, typename... Args>
  T& keep(Args&&... args) {
    auto kept = std::make_shared<T>(std::forward<Args>(args)...);
    kept_.push_back(kept);
    return *kept;
  }

 private:
  std::vector<std::shared_ptr<void>> kept_;  // destroyed after runtime_

 protected:
  std::unique_ptr<Runtime> runtime_ = start_runtime(GetParam());
};

}  // namespace gale::testing

#endif  // GALE_TESTS_ACTORS_ACTOR_FIXTURE_H_
