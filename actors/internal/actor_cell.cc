#include "actors/internal/actor_cell.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <exception>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "actors/actor.h"
#include "actors/internal/detached_status.h"
#include "actors/internal/system_messages.h"
#include "reactor/check.h"
#include "reactor/internal/reactor_internals.h"
#include "reactor/outcome.h"
#include "reactor/spawn.h"

namespace gale::internal {

// What only some actors need: supervision, and the links that tell others
// when this one ends. Allocated on first use.
struct CellExtras {
  CellRef parent;
  std::optional<SupervisionPolicy> policy;
  std::deque<TimePoint> restarts;  // within the policy's window
  std::vector<CellRef> children;
  std::vector<CellRef> watchers;
  std::vector<TaskHandle> tasks;  // start_task's, to cancel on stop
  // A task's failure that waits for the handler running (see defer_failure).
  std::exception_ptr deferred_failure;
  std::source_location deferred_where;
};

namespace {

std::atomic<uint64_t> g_next_actor_id{1};

absl::Status status_of(std::exception_ptr error) {
  try {
    std::rethrow_exception(std::move(error));
  } catch (const StatusError& e) {
    return e.status();
  } catch (const std::exception& e) {
    return absl::UnknownError(absl::StrCat("handler threw: ", e.what()));
  } catch (...) {
    return absl::UnknownError("handler threw a non-std::exception");
  }
}

const SupervisionPolicy& default_policy() {
  static const SupervisionPolicy* policy = new SupervisionPolicy();
  return *policy;
}

}  // namespace

// ---- Posted callbacks -----------------------------------------------------
// Each is 8–16 bytes, so it sits inline in the reactor's queues: a send
// allocates nothing beyond its envelope.

// Builds the actor; dropped unrun (the reactor destroyed first), abandons it.
class ActorCell::StartActor {
 public:
  explicit StartActor(ActorCell* cell) : cell_(cell) {}
  StartActor(StartActor&& other) noexcept
      : cell_(std::exchange(other.cell_, nullptr)) {}
  StartActor& operator=(StartActor&&) = delete;
  ~StartActor() {
    if (cell_ != nullptr) cell_->abandon();
  }
  void operator()() { std::exchange(cell_, nullptr)->start(); }

 private:
  ActorCell* cell_;
};

// One turn of the mailbox. While queued it stands for the life reference of a
// cell that terminates meanwhile (see release_life).
class ActorCell::RunMailbox {
 public:
  explicit RunMailbox(ActorCell* cell) : cell_(cell) {}
  RunMailbox(RunMailbox&& other) noexcept
      : cell_(std::exchange(other.cell_, nullptr)) {}
  RunMailbox& operator=(RunMailbox&&) = delete;
  ~RunMailbox() {
    if (cell_ == nullptr) return;
    cell_->scheduled_ = false;
    if (cell_->terminated()) cell_->unref();
  }
  void operator()() { std::exchange(cell_, nullptr)->run_mailbox(); }

 private:
  ActorCell* cell_;
};

// An envelope on its way to the home reactor. Like an InlineTell it holds no
// reference to the cell, which outlives it (see the header). Dropped unrun
// (runtime teardown), it frees the envelope without posting anything: an
// ask's reply abandons.
class ActorCell::CrossDelivery {
 public:
  CrossDelivery(ActorCell* cell, Envelope* envelope)
      : cell_(cell), envelope_(envelope) {}
  CrossDelivery(CrossDelivery&& other) noexcept
      : cell_(other.cell_),
        envelope_(std::exchange(other.envelope_, nullptr)) {}
  CrossDelivery& operator=(CrossDelivery&&) = delete;
  ~CrossDelivery() { delete envelope_; }
  void operator()() {
    cell_->enqueue_and_run(std::exchange(envelope_, nullptr));
  }

 private:
  ActorCell* cell_;
  Envelope* envelope_;
};

// ---- Any thread -------------------------------------------------------------

ActorCell::ActorCell(Reactor& home, Runtime& runtime, uint32_t batch)
    : home_(&home),
      id_(g_next_actor_id.fetch_add(1, std::memory_order_relaxed)),
      runtime_(&runtime),
      reclaimer_(ReactorReclaimer::of(home)),
      cache_line_gap_(),
      batch_(std::max<uint32_t>(batch, 1)) {
  check_layout();
}

// The senders' group and the home thread's group of fields: no cache line
// holds a byte of both. (offsetof on a class with virtual functions is
// conditionally supported; GCC and Clang give the plain member offsets.)
void ActorCell::check_layout() {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
  constexpr size_t kLastSenderByte =
      offsetof(ActorCell, refs_) + sizeof(refs_) - 1;
  constexpr size_t kFirstHomeByte = offsetof(ActorCell, actor_);
#pragma GCC diagnostic pop
  static_assert(kFirstHomeByte - kLastSenderByte >= 64,
                "a cache line could hold fields of senders and of the home "
                "thread: widen cache_line_gap_");
}

// Every send was made while its sender held a reference, so all of them were
// posted before this: the reclaimer frees the cell once they have run.
void ActorCell::last_reference_gone() {
  GALE_CHECK(reclaimer_ != nullptr,
             "an actor cell's references went from zero back up");
  const std::shared_ptr<Reclaimer> reclaimer = std::move(reclaimer_);
  reclaimer->reclaim(this,
                     [](void* cell) { delete static_cast<ActorCell*>(cell); });
}

ActorCell::~ActorCell() {
  GALE_CHECK(actor_ == nullptr, "an actor cell freed with its actor alive");
}

void ActorCell::send(Envelope* envelope) {
  home_->post(CrossDelivery(this, envelope), envelope->sent_from);
}

void ActorCell::post_start() {
  // The life reference travels with the start; refs_ starts at 1 for it.
  home_->post(StartActor(this));
}

// ---- Home thread: lifecycle
// --------------------------------------------------

void ActorCell::set_parent(ActorCell* parent,
                           std::optional<SupervisionPolicy> policy) {
  CellExtras& links = extras();
  links.policy = std::move(policy);
  if (parent == nullptr) return;
  links.parent = CellRef(parent);
  parent->add_child(this);
}

void ActorCell::start() {
  CellRef self(this);  // on_start may fail and terminate this cell
  link_live();
  state_ = State::kRunning;
  if (!build_actor()) return;
  if (!mailbox_.empty() && !scheduled_) schedule();
}

// Builds the actor and runs on_start. False if the actor did not survive it.
bool ActorCell::build_actor() {
  t_constructing_cell = this;
  try {
    actor_ = construct();
  } catch (...) {
    t_constructing_cell = nullptr;
    ReactorInternals::report_failure(*home_, std::source_location::current());
    const std::exception_ptr error = std::current_exception();
    CellRef parent = extras_ != nullptr ? extras_->parent : CellRef();
    terminate(status_of(error));
    if (parent) escalate_to(parent, error, std::source_location::current());
    return false;
  }
  t_constructing_cell = nullptr;
  handling_ = true;
  std::exception_ptr failure;
  try {
    actor_->on_start();
  } catch (...) {
    failure = std::current_exception();
  }
  handling_ = false;
  if (failure) on_failure(failure);
  after_handler();
  return state_ == State::kRunning;
}

// The start never ran (the reactor was destroyed first): nothing was built,
// nothing may be posted; queued messages are freed, asks abandon.
void ActorCell::abandon() {
  state_ = State::kTerminated;
  while (Envelope* envelope = mailbox_.pop()) delete envelope;
  extras_.reset();
  unref();
}

// Inside a handler (or on_start, or a coroutine handler) the stop waits for it
// to return. Elsewhere (a timer or callback of the actor's own) it is queued
// as a message, so the actor is never destroyed under its caller's feet.
void ActorCell::request_stop(ExitReason reason) {
  if (state_ == State::kTerminated || stop_requested_) return;
  if (handling_ || busy_) {
    stop_requested_ = true;
    return;
  }
  stop_requested_ = true;
  enqueue(new StopMessage(std::move(reason)));
}

void ActorCell::call_on_stop() {
  handling_ = true;
  try {
    actor_->on_stop();
  } catch (...) {
    ReactorInternals::report_failure(*home_, std::source_location::current());
  }
  handling_ = false;
}

void ActorCell::terminate(const ExitReason& reason) {
  if (state_ == State::kTerminated) return;
  state_ = State::kTerminated;
  unlink_live();
  if (actor_ != nullptr) {
    call_on_stop();
    destroy_actor_when_tasks_end();
  }
  if (in_progress_ != nullptr || !mailbox_.empty()) {  // (the status costs)
    const absl::Status gone =
        absl::UnavailableError(absl::StrCat("gale: actor ", id_, " stopped"));
    if (in_progress_ != nullptr) {  // its handler's frame was destroyed
      in_progress_->reject(gone);
      delete std::exchange(in_progress_, nullptr);
    }
    reject_queued(gone);
  }
  notify_links(reason);
  release_life();
}

void ActorCell::reject_queued(const absl::Status& why) {
  while (Envelope* envelope = mailbox_.pop()) {
    envelope->reject(why);
    delete envelope;
  }
}

// Watchers get Down, the parent forgets this child, children are stopped.
void ActorCell::notify_links(const ExitReason& reason) {
  if (extras_ == nullptr) return;
  CellExtras links = std::move(*extras_);
  extras_.reset();
  for (CellRef& watcher : links.watchers) {
    watcher->send(new DownMessage(Down{id_, detached(reason)}));
  }
  if (links.parent) links.parent->send(new ChildTerminatedMessage(this));
  for (CellRef& child : links.children) {
    child->send(new StopMessage(absl::CancelledError(
        absl::StrCat("gale: parent actor ", id_, " stopped"))));
  }
}

// A RunMailbox still queued owns the release (it must not touch a freed cell).
void ActorCell::release_life() {
  if (!scheduled_) unref();
}

void ActorCell::terminate_for_shutdown() {
  terminate(absl::CancelledError("gale: runtime stopped"));
}

// ---- Home thread: messages
// ---------------------------------------------------

void ActorCell::enqueue(Envelope* envelope) {
  if (state_ == State::kTerminated) {
    envelope->reject(absl::UnavailableError(
        absl::StrCat("gale: actor ", id_, " is stopped")));
    delete envelope;
    return;
  }
  mailbox_.push(envelope);
  if (state_ == State::kRunning && !scheduled_ && !handling_ && !busy_) {
    schedule();
  }
}

// A message arrives in a callback of its own, outside any handler: the actor
// takes its turn right here rather than one ready-queue hop later.
void ActorCell::enqueue_and_run(Envelope* envelope) {
  if (state_ != State::kRunning || scheduled_ || handling_ || busy_) {
    enqueue(envelope);
    return;
  }
  mailbox_.push(envelope);
  scheduled_ = true;  // this turn, as if posted
  run_mailbox();
}

void ActorCell::schedule() {
  scheduled_ = true;
  home_->post(RunMailbox(this));
}

// One turn. scheduled_ stays set until the turn ends, so that sends made
// meanwhile do not post another turn and a termination meanwhile leaves the
// life reference to this turn (the cell outlives the loop below).
void ActorCell::run_mailbox() {
  for (uint32_t handled = 0; handled < batch_; ++handled) {
    if (state_ != State::kRunning || busy_) break;
    Envelope* envelope = mailbox_.pop();
    if (envelope == nullptr) break;
    handle(envelope);
  }
  scheduled_ = false;
  if (state_ == State::kTerminated) {
    unref();  // the life reference this turn stood for
    return;
  }
  // A full batch: let the other callbacks of this reactor run first.
  if (state_ == State::kRunning && !busy_ && !mailbox_.empty()) schedule();
}

void ActorCell::handle(Envelope* envelope) {
  handling_ = true;
  Task<void> pending;
  std::exception_ptr failure;
  try {
    pending = envelope->deliver(*actor_);
  } catch (...) {
    failure = std::current_exception();
  }
  handling_ = false;
  if (pending.valid()) {
    busy_ = true;
    in_progress_ = envelope;
    // The reference is taken now, not when the frame first runs: by then the
    // last other one may have gone (a cell must never come back from zero).
    gale::spawn(*home_, await_handler(CellRef(this), std::move(pending)));
    return;
  }
  if (failure) {
    // Reported before the ask fails: the sender may free the exception as
    // soon as it has it.
    const std::source_location sent_from = envelope->sent_from;
    report(failure, sent_from);
    envelope->fail(failure);
    delete envelope;
    supervise(failure, sent_from);
  } else {
    delete envelope;
  }
  after_handler();
}

// A coroutine handler: the mailbox waits until it finishes, then its
// envelope (whose ask the handler's value completed) goes.
Task<void> ActorCell::await_handler(
    [[maybe_unused]] CellRef self,  // a failure may terminate this cell
    Task<void> handler) {
  std::exception_ptr failure;
  try {
    co_await std::move(handler);
  } catch (...) {
    failure = std::current_exception();
  }
  busy_ = false;
  Envelope* envelope = std::exchange(in_progress_, nullptr);
  const std::source_location sent_from = envelope->sent_from;
  if (failure) {
    report(failure, sent_from);
    envelope->fail(failure);
  }
  delete envelope;
  if (failure) supervise(failure, sent_from);
  handler_finished();
}

// ---- Home thread: tasks of the actor
// ------------------------------------------

// One task of an actor, counted from its creation until its frame goes —
// whether its body ran to the end or the reactor destroyed it unstarted.
// A coroutine parameter, so that it lives exactly as long as the frame.
class TaskLease {
 public:
  explicit TaskLease(ActorCell* cell) : cell_(cell) {}
  TaskLease(TaskLease&& other) noexcept
      : cell_(std::exchange(other.cell_, CellRef())) {}
  TaskLease(const TaskLease&) = delete;
  ~TaskLease() {
    if (cell_) cell_->task_ended();
  }
  ActorCell* cell() const { return cell_.get(); }

 private:
  CellRef cell_;  // the cell outlives its tasks
};

void ActorCell::start_task(Task<void> task, std::source_location where) {
  if (state_ == State::kTerminated) return;  // dropped unrun: nothing to own it
  ++tasks_;
  std::vector<TaskHandle>& tasks = extras().tasks;
  std::erase_if(tasks, [](const TaskHandle& handle) { return handle.done(); });
  tasks.push_back(gale::spawn(
      *home_, own_task(std::move(task), where, TaskLease(this)), where));
}

Task<void> ActorCell::own_task(Task<void> task, std::source_location where,
                               TaskLease lease) {
  ActorCell* cell = lease.cell();
  std::exception_ptr failure;
  try {
    co_await std::move(task);
  } catch (const CancelledError&) {  // the actor stopped: an expected end
  } catch (...) {
    failure = std::current_exception();
  }
  if (!failure || cell->state_ != State::kRunning) co_return;
  if (cell->handling_ || cell->busy_) {
    cell->report(failure, where);
    cell->defer_failure(failure, where);
  } else {
    cell->on_failure(failure, where);
  }
}

// A task failed while a handler of the actor runs or, a coroutine, waits:
// supervising it now could restart or destroy the actor under that handler.
// It was reported at once; the first such failure is supervised once the
// handler is done (after_handler), unless the handler's own failure restarted
// or ended the actor first, or it asked for a stop, which wins.
void ActorCell::defer_failure(std::exception_ptr error,
                              std::source_location where) {
  if (failure_deferred_) return;
  CellExtras& links = extras();
  links.deferred_failure = std::move(error);
  links.deferred_where = where;
  failure_deferred_ = true;
}

// After a handler (or on_start): the task failure that waited for it, then
// the stop it asked for.
void ActorCell::after_handler() {
  if (failure_deferred_) apply_deferred_failure();
  if (stop_requested_) terminate(absl::OkStatus());
}

void ActorCell::apply_deferred_failure() {
  failure_deferred_ = false;
  // Ended meanwhile (its links, the failure with them, are gone): nothing to
  // supervise.
  if (state_ != State::kRunning || extras_ == nullptr) return;
  const std::exception_ptr error =
      std::exchange(extras_->deferred_failure, nullptr);
  if (!stop_requested_) supervise(error, extras_->deferred_where);
}

void ActorCell::task_ended() {
  --tasks_;
  if (tasks_ == 0 && state_ == State::kTerminated && actor_ != nullptr) {
    destroy_actor();
    actor_ = nullptr;
  }
}

// After on_stop: the actor object goes now, or — while tasks of its own still
// run — once they have ended (they are cancelled here).
void ActorCell::destroy_actor_when_tasks_end() {
  if (tasks_ == 0) {
    destroy_actor();
    actor_ = nullptr;
    return;
  }
  for (TaskHandle& task : extras().tasks) task.cancel();
}

// A coroutine handler is done: what waited for it, then the mailbox again.
void ActorCell::handler_finished() {
  after_handler();
  if (state_ == State::kRunning && !mailbox_.empty() && !scheduled_) {
    schedule();
  }
}

// ---- Home thread: supervision
// ------------------------------------------------

void ActorCell::on_failure(const std::exception_ptr& error,
                           std::source_location where) {
  report(error, where);
  supervise(error, where);
}

void ActorCell::report(std::exception_ptr error, std::source_location where) {
  try {
    std::rethrow_exception(std::move(error));
  } catch (...) {
    ReactorInternals::report_failure(*home_, where);
  }
}

// `where`: the failed message's origin, named again if the failure escalates.
void ActorCell::supervise(const std::exception_ptr& error,
                          std::source_location where) {
  const Directive directive = decide(error);
  if (directive == Directive::kResume) return;
  // An actor whose tasks still run cannot be rebuilt in place (they point
  // into it): it stops instead, as a non-restartable one does.
  if (directive == Directive::kRestart && restartable() && tasks_ == 0 &&
      within_restart_intensity()) {
    restart();
    return;
  }
  // Stop; escalate too when asked, or when the restarts ran out (OTP).
  const bool escalate = directive != Directive::kStop;
  CellRef parent = extras_ != nullptr ? extras_->parent : CellRef();
  terminate(status_of(error));
  if (escalate && parent) escalate_to(parent, error, where);
}

void ActorCell::escalate_to(const CellRef& parent, std::exception_ptr error,
                            std::source_location where) {
  auto* failed = new ChildFailedMessage(std::move(error));
  failed->sent_from = where;
  parent->send(failed);
}

Directive ActorCell::decide(const std::exception_ptr& error) {
  const SupervisionPolicy& policy = policy_in_force();
  if (policy.decide) {
    try {
      return policy.decide(error);
    } catch (...) {
      ReactorInternals::report_failure(*home_, std::source_location::current());
      return Directive::kStop;
    }
  }
  return policy.directive;
}

const SupervisionPolicy& ActorCell::policy_in_force() const {
  if (extras_ == nullptr || !extras_->policy.has_value()) {
    return default_policy();
  }
  // Checked just above (clang-tidy does not follow it through extras_).
  return extras_->policy.value();  // NOLINT(bugprone-unchecked-optional-access)
}

// Records a restart now; false if that is one too many within the window.
bool ActorCell::within_restart_intensity() {
  CellExtras& links = extras();
  const SupervisionPolicy& policy = policy_in_force();
  const TimePoint now = Clock::now();
  while (!links.restarts.empty() &&
         now - links.restarts.front() > policy.within) {
    links.restarts.pop_front();
  }
  if (static_cast<int>(links.restarts.size()) >= policy.max_restarts) {
    return false;
  }
  links.restarts.push_back(now);
  return true;
}

// on_stop on the old instance, its children stopped, a new one built from the
// spawn arguments; the mailbox carries over.
void ActorCell::restart() {
  call_on_stop();
  destroy_actor();
  actor_ = nullptr;
  if (extras_ != nullptr) {
    for (CellRef& child : extras_->children) {
      child->send(new StopMessage(absl::CancelledError(
          absl::StrCat("gale: parent actor ", id_, " restarted"))));
    }
    extras_->children.clear();
  }
  stop_requested_ = false;
  // A task failure that waited for a handler belonged to the old instance.
  failure_deferred_ = false;
  if (extras_ != nullptr) extras_->deferred_failure = nullptr;
  if (build_actor() && !mailbox_.empty() && !scheduled_) schedule();
}

// ---- Home thread: links
// ------------------------------------------------------

void ActorCell::add_child(ActorCell* child) {
  extras().children.emplace_back(child);
}

void ActorCell::remove_child(ActorCell* child) {
  if (extras_ == nullptr) return;
  std::vector<CellRef>& children = extras_->children;
  auto it =
      std::find_if(children.begin(), children.end(),
                   [child](const CellRef& c) { return c.get() == child; });
  if (it != children.end()) children.erase(it);
}

void ActorCell::add_watcher(ActorCell* watcher) {
  extras().watchers.emplace_back(watcher);
}

CellExtras& ActorCell::extras() {
  if (extras_ == nullptr) extras_ = std::make_unique<CellExtras>();
  return *extras_;
}

ActorCell& ActorCell::of(Actor& actor) { return *actor.cell_; }

// ---- System messages -------------------------------------------------------

Task<void> StopMessage::deliver(Actor& actor) {
  ActorCell::of(actor).request_stop(std::move(reason_));
  return {};
}

Task<void> WatchMessage::deliver(Actor& actor) {
  ActorCell::of(actor).add_watcher(watcher_.get());
  return {};
}

void WatchMessage::reject(const absl::Status& why) {
  watcher_->send(new DownMessage(Down{target_id_, detached(why)}));
}

Task<void> DownMessage::deliver(Actor& actor) {
  actor.on_down(down_);
  return {};
}

Task<void> ChildFailedMessage::deliver(Actor&) {
  std::rethrow_exception(error_);
}

Task<void> ChildTerminatedMessage::deliver(Actor& actor) {
  ActorCell::of(actor).remove_child(child_.get());
  return {};
}

}  // namespace gale::internal
