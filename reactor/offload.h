// offload(): runs a blocking or CPU-heavy function on a ThreadPool and resumes
// the awaiting task on its own reactor with the function's value — or its
// exception — so no reactor ever stalls (asyncio-event-loop.md: summing
// 1..20,000,000 must not freeze the server).
//
//   gale::Task<> handle(gale::ThreadPool& pool) {
//     uint64_t sum = co_await gale::offload(pool, [] { return slow_sum(); });
//     reply(sum);  // back on the reactor thread
//   }
//   // Or with a callback, run on the calling reactor:
//   absl::Status queued = gale::offload(pool, [] { return slow_sum(); },
//       [](gale::Outcome<uint64_t> sum) { reply(sum.value()); });
//
// A pool whose queue is full rejects at once: the coroutine form throws
// StatusError(kResourceExhausted), the callback form returns that status. If
// the awaiting task is cancelled, it resumes with CancelledError at once; the
// function still runs to its end on the pool and its result is dropped.
//
// Thread contract: Reactor thread only. `fn` runs on a pool thread and is
// destroyed there; its result is moved to the reactor (see future.h for the
// memory ordering).
#ifndef GALE_REACTOR_OFFLOAD_H_
#define GALE_REACTOR_OFFLOAD_H_

#include <exception>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "reactor/future.h"
#include "reactor/outcome.h"
#include "reactor/task.h"
#include "reactor/thread_pool.h"

namespace gale {

namespace internal {

// Submits `fn` to `pool`. The future receives its value or exception, or a
// broken promise if the pool drops the job unrun.
template <typename Fn, typename R = std::invoke_result_t<Fn&>>
absl::StatusOr<Future<R>> submit_to_pool(ThreadPool& pool, Fn fn) {
  Promise<R> promise;
  Future<R> future = promise.get_future();
  const absl::Status submitted =
      pool.submit([promise = std::move(promise), fn = std::move(fn)]() mutable {
        try {
          if constexpr (std::is_void_v<R>) {
            fn();
            promise.set_value();
          } else {
            promise.set_value(fn());
          }
        } catch (...) {
          promise.set_exception(std::current_exception());
        }
      });
  if (!submitted.ok()) return submitted;
  return future;
}

}  // namespace internal

template <typename Fn, typename R = std::invoke_result_t<Fn&>>
Task<R> offload(ThreadPool& pool, Fn fn) {
  absl::StatusOr<Future<R>> future =
      internal::submit_to_pool(pool, std::move(fn));
  if (!future.ok()) throw StatusError(future.status());
  co_return co_await std::move(*future);
}

// Callback form: `done(Outcome<R>)` runs on the calling reactor. Returns the
// pool's rejection, if any (then `done` is never called).
template <typename Fn, typename Done, typename R = std::invoke_result_t<Fn&>>
absl::Status offload(ThreadPool& pool, Fn fn, Done done) {
  absl::StatusOr<Future<R>> future =
      internal::submit_to_pool(pool, std::move(fn));
  if (!future.ok()) return future.status();
  std::move(*future).then(std::move(done));
  return absl::OkStatus();
}

}  // namespace gale

#endif  // GALE_REACTOR_OFFLOAD_H_
