#include "http/request.h"

#include "http/percent.h"

namespace gale::http {

const Request::Args& Request::query_args() const {
  if (!args_parsed_) {
    args_parsed_ = true;
    if (!parse_query(head_.query, &args_)) args_.clear();
  }
  return args_;
}

std::string_view Request::query_arg(std::string_view name) const {
  for (const auto& [key, value] : query_args()) {
    if (key == name) return value;
  }
  return {};
}

}  // namespace gale::http
