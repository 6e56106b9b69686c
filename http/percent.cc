#include "http/percent.h"

#include <cstring>

namespace gale::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool percent_decode(std::string_view in, std::string* out, bool plus_as_space) {
  out->clear();
  out->reserve(in.size());
  size_t pos = 0;
  while (pos < in.size()) {
    // Copy the run up to the next byte that needs work in one append.
    size_t special =
        plus_as_space ? in.find_first_of("%+", pos) : in.find('%', pos);
    if (special == std::string_view::npos) special = in.size();
    out->append(in.data() + pos, special - pos);
    pos = special;
    if (pos == in.size()) break;
    if (in[pos] == '+') {
      out->push_back(' ');
      ++pos;
      continue;
    }
    int high = pos + 2 < in.size() ? hex_value(in[pos + 1]) : -1;
    int low = high >= 0 ? hex_value(in[pos + 2]) : -1;
    if (low < 0) return false;
    out->push_back(static_cast<char>(high * 16 + low));
    pos += 3;
  }
  return true;
}

bool parse_query(std::string_view query,
                 std::vector<std::pair<std::string, std::string>>* args) {
  args->clear();
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view()
                                          : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t equals = pair.find('=');
    std::string_view name = pair.substr(0, equals);
    std::string_view value = equals == std::string_view::npos
                                 ? std::string_view()
                                 : pair.substr(equals + 1);
    std::pair<std::string, std::string>& arg = args->emplace_back();
    if (!percent_decode(name, &arg.first, true) ||
        !percent_decode(value, &arg.second, true)) {
      return false;
    }
  }
  return true;
}

}  // namespace gale::http
