// Callback: the unit of work a reactor runs — a move-only `void()` callable
// with 32 bytes of inline storage, so the lambdas a reactor sees every day (up
// to four pointers, ids, deadlines) are stored without a heap allocation.
// absl::AnyInvocable keeps only 16 bytes inline, which sends any lambda
// capturing three pointers to the heap, once per callback. Larger callables, or
// ones that may throw when moved, are boxed on the heap.
//
// A Callback is 40 bytes (one pointer to a static table of operations, then the
// storage); with its source location a queued Work is 48. Callables that are
// trivially copyable (most lambdas capturing pointers and integers) are moved
// with a memcpy and need no destructor call.
//
//   gale::Callback fn = [this, id, deadline] { on_timeout(id, deadline); };  //
//   inline fn();
//
// Thread contract: a Callback is a value; moving it between threads is the
// caller's handoff (Reactor::post documents its memory ordering).
#ifndef GALE_REACTOR_CALLBACK_H_
#define GALE_REACTOR_CALLBACK_H_

#include <cstddef>
#include <cstring>
#include <new>
#include <source_location>
#include <type_traits>
#include <utility>

namespace gale {

class Callback {
 public:
  static constexpr size_t kInlineSize = 32;
  static constexpr size_t kInlineAlign = alignof(void*);

  Callback() noexcept = default;
  Callback(std::nullptr_t) noexcept {}  // NOLINT: implicit, like std::function

  template <typename F, typename Fn = std::decay_t<F>,
            typename = std::enable_if_t<!std::is_same_v<Fn, Callback> &&
                                        std::is_invocable_r_v<void, Fn&>>>
  Callback(F&& f) {  // NOLINT: implicit, like std::function
    if constexpr (stored_inline<Fn>()) {
      // Moves copy the whole storage, which an empty callable (a lambda
      // without captures) leaves all undefined: GCC's optimized builds then
      // report the copy as a use of uninitialized bytes. Zeroing them for
      // every callable cost pingpong_cross ~13% (8 pairs); for these, nothing.
      if constexpr (std::is_empty_v<Fn>) std::memset(storage_, 0, kInlineSize);
      ::new (static_cast<void*>(storage_)) Fn(std::forward<F>(f));
      ops_ = &kInlineOps<Fn>;
    } else {
      ::new (static_cast<void*>(storage_)) Fn*(new Fn(std::forward<F>(f)));
      ops_ = &kBoxedOps<Fn>;
    }
  }

  Callback(Callback&& other) noexcept { take(other); }

  Callback& operator=(Callback&& other) noexcept {
    if (this != &other) {
      reset();
      take(other);
    }
    return *this;
  }

  Callback& operator=(std::nullptr_t) noexcept {
    reset();
    return *this;
  }

  // Writes nothing back: a callback run and destroyed in place in a queue
  // leaves its cache line clean.
  ~Callback() {
    if (ops_ != nullptr && ops_->destroy != nullptr) ops_->destroy(storage_);
  }

  explicit operator bool() const noexcept { return ops_ != nullptr; }

  // Precondition: non-empty.
  void operator()() { ops_->invoke(storage_); }

  // Replaces this Callback's callable (destroying it, if any) with `from`'s,
  // for a queue that destroys each item right after moving it out (the
  // reactor's inbound queue, internal/inbound_work.h). Unlike a move, it
  // writes nothing to a source whose destruction is a no-op (stored inline
  // and trivially relocatable): such a `from` keeps its bytes and is then fit
  // only for destruction. The thread reading a cross-thread queue so never
  // writes the slot it has just read, which would drag the slot's cache line
  // back from the writing core on its next enqueue (~8% of a cross-core hop).
  void relocate_from_queue(Callback& from) noexcept {
    reset();
    copy_from(from);
    // A source needs emptying exactly when destroying it would do something
    // (an inline type's relocate and destroy are both set or both null).
    if (ops_ != nullptr && ops_->destroy != nullptr) from.ops_ = nullptr;
  }

  // True if a callable of type F is stored without a heap allocation.
  template <typename F>
  static constexpr bool stored_inline() {
    return sizeof(F) <= kInlineSize && alignof(F) <= kInlineAlign &&
           std::is_nothrow_move_constructible_v<F>;
  }

 private:
  // One static table per stored type. `relocate` and `destroy` are null when
  // the type is stored inline and trivially copyable: a memcpy moves it and
  // nothing destroys it.
  struct Ops {
    void (*invoke)(void* storage);
    void (*relocate)(void* from,
                     void* to);  // move-construct at `to`, destroy `from`
    void (*destroy)(void* storage);
  };

  template <typename F>
  static constexpr bool trivially_relocatable() {
    return std::is_trivially_copyable_v<F> &&
           std::is_trivially_destructible_v<F>;
  }

  template <typename F>
  static constexpr Ops kInlineOps = {
      [](void* storage) { (*static_cast<F*>(storage))(); },
      trivially_relocatable<F>() ? nullptr
                                 : +[](void* from, void* to) {
                                     F* source = static_cast<F*>(from);
                                     ::new (to) F(std::move(*source));
                                     source->~F();
                                   },
      trivially_relocatable<F>()
          ? nullptr
          : +[](void* storage) { static_cast<F*>(storage)->~F(); },
  };

  // Boxed: the storage holds an F*, which is trivially relocatable.
  template <typename F>
  static constexpr Ops kBoxedOps = {
      [](void* storage) { (**static_cast<F**>(storage))(); },
      nullptr,
      [](void* storage) { delete *static_cast<F**>(storage); },
  };

  // Moves other's callable into this empty Callback; other's ops_ is left
  // to the caller.
  void copy_from(Callback& other) noexcept {
    ops_ = other.ops_;
    if (ops_ == nullptr) return;
    if (ops_->relocate == nullptr) {
      std::memcpy(storage_, other.storage_, kInlineSize);
    } else {
      ops_->relocate(other.storage_, storage_);
    }
  }

  void take(Callback& other) noexcept {
    copy_from(other);
    other.ops_ = nullptr;
  }

  void reset() noexcept {
    if (ops_ != nullptr && ops_->destroy != nullptr) ops_->destroy(storage_);
    ops_ = nullptr;
  }

  const Ops* ops_ = nullptr;
  // The callable itself, or (boxed) a pointer to it on the heap.
  alignas(kInlineAlign) unsigned char storage_[kInlineSize];
};

// A callback and where it was scheduled. Moved, never copied.
struct Work {
  Callback fn;
  std::source_location where;
};

}  // namespace gale

#endif  // GALE_REACTOR_CALLBACK_H_
