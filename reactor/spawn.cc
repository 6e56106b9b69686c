#include "reactor/spawn.h"

#include <coroutine>
#include <exception>

#include "reactor/internal/frame_pool.h"
#include "reactor/internal/reactor_internals.h"
#include "reactor/internal/root_task_list.h"
#include "reactor/internal/task_context.h"

namespace gale {
namespace internal {

// What a spawned chain and its handles share.
struct SpawnedState {
  explicit SpawnedState(Reactor& reactor) : context(&reactor) {}
  TaskContext context;
  RootTaskNode node;
  bool done = false;
};

// The coroutine at the root of a spawned chain: awaits the task, reports its
// failure, and unregisters. Starts when resumed by the posted start callback;
// destroys itself when it finishes.
struct Driver {
  struct promise_type : TaskPromiseBase {
    promise_type(std::shared_ptr<SpawnedState>& state, Task<void>&,
                 std::source_location) {
      set_context(&state->context);
    }
    Driver get_return_object() {
      return Driver{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept {
      std::terminate();
    }  // drive() catches all
  };
  std::coroutine_handle<promise_type> frame;
};

Driver drive(std::shared_ptr<SpawnedState> state, Task<void> task,
             std::source_location where) {
  // A local, not the parameter: if the frame is destroyed while suspended,
  // locals go before parameters, so the chain goes before `state` (which holds
  // the context its awaitables use while giving back what they hold).
  Task<void> chain = std::move(task);
  try {
    co_await std::move(chain);
  } catch (const CancelledError&) {
    // Cancelled on request: not a failure.
  } catch (...) {
    ReactorInternals::report_failure(state->context.reactor(), where);
  }
  state->done = true;
  ReactorInternals::root_tasks(state->context.reactor()).unlink(state->node);
}

// The posted start of a chain. If the reactor is destroyed before it runs, the
// driver frame (suspended at its start) is destroyed with it.
class StartDriver {
 public:
  StartDriver(std::shared_ptr<SpawnedState> state,
              std::coroutine_handle<> frame)
      : state_(std::move(state)), frame_(frame) {}
  StartDriver(StartDriver&& other) noexcept
      : state_(std::move(other.state_)),
        frame_(std::exchange(other.frame_, nullptr)) {}
  StartDriver& operator=(StartDriver&&) = delete;
  ~StartDriver() {
    if (frame_) frame_.destroy();
  }

  void operator()() {
    ReactorInternals::root_tasks(state_->context.reactor()).link(state_->node);
    std::exchange(frame_, nullptr).resume();
  }

 private:
  std::shared_ptr<SpawnedState> state_;
  std::coroutine_handle<> frame_;
};

}  // namespace internal

bool TaskHandle::done() const { return state_ == nullptr || state_->done; }

void TaskHandle::cancel() {
  if (state_ != nullptr && !state_->done) state_->context.request_cancel();
}

TaskHandle spawn(Reactor& reactor, Task<void> task,
                 std::source_location where) {
  // From the frame pools, as the driver's frame: a task per connection or
  // per request costs no malloc.
  auto state = std::allocate_shared<internal::SpawnedState>(
      internal::FramePoolAllocator<internal::SpawnedState>(), reactor);
  internal::Driver driver = internal::drive(state, std::move(task), where);
  state->node.frame = driver.frame;
  reactor.post(internal::StartDriver(state, driver.frame), where);
  return TaskHandle(std::move(state));
}

}  // namespace gale
