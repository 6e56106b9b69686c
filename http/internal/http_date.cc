#include "http/internal/http_date.h"

#include <ctime>

namespace gale::http::internal {

std::string_view http_date() {
  thread_local time_t formatted_second = -1;
  thread_local char text[32];
  thread_local size_t length = 0;
  const time_t now = ::time(nullptr);  // vDSO: no syscall
  if (now != formatted_second) {
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    length =
        std::strftime(text, sizeof(text), "%a, %d %b %Y %H:%M:%S GMT", &utc);
    formatted_second = now;
  }
  return std::string_view(text, length);
}

}  // namespace gale::http::internal
