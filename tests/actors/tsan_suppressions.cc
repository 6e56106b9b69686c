// ThreadSanitizer's built-in suppressions for the actor tests' TSan builds: the
// runtime asks the executable for them through this hook at start-up (it must
// be in the executable itself — a shared library's definition is not seen —
// so each actor test compiles this file).
//
// Debian's Abseil is not built with TSan. An absl::Status that reached two
// threads (a termination reason copied by a watcher, an ask's failure) drops
// its shared reference count inside the library, where TSan cannot see the
// atomic; it only sees the final `delete` on one thread and an earlier copy
// on the other, and reports a race the atomic rules out. Gale detaches the
// statuses it sends across threads (actors/internal/detached_status.h); this
// covers the copies the tests make of what they receive (a Down's reason
// handed to the main thread). Nothing else is suppressed. docs/build.md tells
// users of Debian's Abseil under TSan to do the same.
#if defined(__SANITIZE_THREAD__)
extern "C" const char* __tsan_default_suppressions() {
  return "race:absl::*Status::Unref\n";
}
#endif
