// The unit of work a reactor runs: a move-only callable plus the source
// location that scheduled it, so that a callback that throws or runs slowly can
// be reported by where it came from rather than by an anonymous lambda type.
//
// Captures of up to two pointers (say `[this, &counter]`) are stored inline in
// the AnyInvocable, so scheduling such a callback allocates nothing.
//
//   reactor.post([&] { ++count; });  // std::source_location is filled in for
//   you
#ifndef GALE_REACTOR_CALLBACK_H_
#define GALE_REACTOR_CALLBACK_H_

#include <source_location>

#include "absl/functional/any_invocable.h"

namespace gale {

using Callback = absl::AnyInvocable<void()>;

// A callback and where it was scheduled. Moved, never copied.
struct Work {
  Callback fn;
  std::source_location where;
};

}  // namespace gale

#endif  // GALE_REACTOR_CALLBACK_H_
