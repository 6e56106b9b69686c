#include "http/response.h"

#include <charconv>

#include "http/internal/http_date.h"
#include "http/request_head.h"
#include "http/status.h"

namespace gale::http {
namespace {

void append_number(std::string& out, uint64_t value, int base = 10) {
  char digits[24];
  const auto result =
      std::to_chars(digits, digits + sizeof(digits), value, base);
  out.append(digits, result.ptr);
}

// Finds "Name: ...\r\n" (name case-insensitive) in `lines`: [begin, end).
std::pair<size_t, size_t> find_line(const std::string& lines,
                                    std::string_view name) {
  size_t begin = 0;
  while (begin < lines.size()) {
    const size_t end = lines.find("\r\n", begin) + 2;
    const std::string_view line(lines.data() + begin, end - begin);
    if (line.size() > name.size() && line[name.size()] == ':' &&
        equals_ignore_case(line.substr(0, name.size()), name)) {
      return {begin, end};
    }
    begin = end;
  }
  return {std::string::npos, std::string::npos};
}

}  // namespace

void Response::reset(bool head_request, int version_minor) {
  status_ = 200;
  version_minor_ = version_minor;
  head_request_ = head_request;
  close_ = false;
  headers_sent_ = false;
  chunked_ = false;
  finished_ = false;
  has_content_type_ = false;
  header_lines_.clear();
  body_.clear();
}

void Response::set_header(std::string_view name, std::string_view value) {
  // Header injection: a CR or LF in either would end the line early.
  auto clean = [](std::string_view text) {
    return text.find_first_of("\r\n") == std::string_view::npos;
  };
  if (!clean(name) || !clean(value) || name.empty()) return;
  const auto [begin, end] = find_line(header_lines_, name);
  if (begin != std::string::npos) header_lines_.erase(begin, end - begin);
  header_lines_.append(name).append(": ").append(value).append("\r\n");
  if (equals_ignore_case(name, "Content-Type")) has_content_type_ = true;
}

void Response::serialize_head_into(std::string& out, bool chunked) {
  out.append(version_minor_ == 0 ? "HTTP/1.0 " : "HTTP/1.1 ");
  append_number(out, static_cast<uint64_t>(status_));
  out.push_back(' ');
  out.append(reason_phrase(status_)).append("\r\nServer: Gale\r\nDate: ");
  out.append(internal::http_date()).append("\r\n");
  if (!has_content_type_ && status_ != 204 && status_ != 304) {
    out.append("Content-Type: text/html; charset=UTF-8\r\n");  // Tornado's
  }
  out.append(header_lines_);
  if (chunked) {
    out.append("Transfer-Encoding: chunked\r\n");
  } else if (status_ != 204 && status_ != 304 && !(status_ < 200)) {
    out.append("Content-Length: ");
    append_number(out, body_.size());
    out.append("\r\n");
  }
  if (close_) {
    out.append("Connection: close\r\n");
  } else if (version_minor_ == 0) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
  headers_sent_ = true;
}

void Response::serialize_into(std::string& out) {
  serialize_head_into(out, /*chunked=*/false);
  if (!head_request_) out.append(body_);
  finished_ = true;
}

void Response::serialize_chunk_into(std::string& out) {
  if (!headers_sent_) {
    // HTTP/1.0 has no chunked coding: the body ends with the connection.
    chunked_ = version_minor_ == 1;
    if (!chunked_) close_ = true;
    serialize_head_into(out, chunked_);
  }
  if (!head_request_ && !body_.empty()) {
    if (chunked_) {
      append_number(out, body_.size(), 16);
      out.append("\r\n").append(body_).append("\r\n");
    } else {
      out.append(body_);
    }
  }
  body_.clear();
}

void Response::serialize_end_into(std::string& out) {
  serialize_chunk_into(out);
  if (chunked_ && !head_request_) out.append("0\r\n\r\n");
  finished_ = true;
}

}  // namespace gale::http
