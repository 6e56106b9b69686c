// GALE_CHECK: the assertion for programmer errors (a loop-only call made from a
// foreign thread, a reactor run twice). It stays on in every build, prints
// where it failed and why, and aborts. Runtime failures never use it: they
// return an absl::Status.
//
//   GALE_CHECK(fd >= 0, "add_handler needs an open descriptor");
#ifndef GALE_REACTOR_CHECK_H_
#define GALE_REACTOR_CHECK_H_

namespace gale::internal {

[[noreturn]] void check_failed(const char* condition, const char* message,
                               const char* file, int line);

}  // namespace gale::internal

#define GALE_CHECK(condition, message)                                         \
  do {                                                                         \
    if (__builtin_expect(!(condition), 0)) {                                   \
      ::gale::internal::check_failed(#condition, message, __FILE__, __LINE__); \
    }                                                                          \
  } while (false)

#endif  // GALE_REACTOR_CHECK_H_
