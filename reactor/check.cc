#include "reactor/check.h"

#include <cstdio>
#include <cstdlib>

namespace gale::internal {

void check_failed(const char* condition, const char* message, const char* file,
                  int line) {
  std::fprintf(stderr, "gale: check failed at %s:%d: %s (%s)\n", file, line,
               message, condition);
  std::fflush(stderr);
  std::abort();
}

}  // namespace gale::internal
