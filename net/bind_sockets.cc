#include "net/bind_sockets.h"

#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "net/errno_status.h"

namespace gale {
namespace {

struct AddrinfoDeleter {
  void operator()(addrinfo* list) const { ::freeaddrinfo(list); }
};
using AddrinfoList = std::unique_ptr<addrinfo, AddrinfoDeleter>;

absl::StatusOr<AddrinfoList> resolve_passive(uint16_t port,
                                             std::string_view address,
                                             int family) {
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  const std::string host(address);
  const std::string service = std::to_string(port);
  addrinfo* list = nullptr;
  const int error = ::getaddrinfo(host.empty() ? nullptr : host.c_str(),
                                  service.c_str(), &hints, &list);
  if (error != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("bind_sockets: cannot resolve \"", to_absl(address),
                     "\": ", ::gai_strerror(error)));
  }
  return AddrinfoList(list);
}

void set_port(SocketAddress& address, uint16_t port) {
  if (address.family() == AF_INET) {
    reinterpret_cast<sockaddr_in*>(address.get_mutable())->sin_port =
        htons(port);
  } else if (address.family() == AF_INET6) {
    reinterpret_cast<sockaddr_in6*>(address.get_mutable())->sin6_port =
        htons(port);
  }
}

absl::Status set_flag(int fd, int level, int option, const char* name) {
  const int on = 1;
  if (::setsockopt(fd, level, option, &on, sizeof(on)) != 0) {
    return errno_status(errno, absl::StrCat("setsockopt ", name));
  }
  return absl::OkStatus();
}

// One listener on `address`. kFailedPrecondition: the host lacks the family.
absl::StatusOr<Listener> listen_on(SocketAddress address,
                                   const BindOptions& options) {
  UniqueFd fd(::socket(address.family(),
                       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) {
    const int error = errno;
    if (error == EAFNOSUPPORT) {
      return absl::FailedPreconditionError(
          absl::StrCat("no support for the family of ", address.to_string()));
    }
    return errno_status(error, "socket", address.to_string());
  }
  if (absl::Status set =
          set_flag(fd.get(), SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR");
      !set.ok()) {
    return set;
  }
  if (options.reuse_port) {
    if (absl::Status set =
            set_flag(fd.get(), SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT");
        !set.ok()) {
      return set;
    }
  }
  if (address.family() == AF_INET6) {
    // Otherwise [::] would also take IPv4 and collide with 0.0.0.0.
    if (absl::Status set =
            set_flag(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, "IPV6_V6ONLY");
        !set.ok()) {
      return set;
    }
  }
  if (::bind(fd.get(), address.get(), address.length()) != 0) {
    return errno_status(errno, "bind", address.to_string());
  }
  if (::listen(fd.get(), options.backlog) != 0) {
    return errno_status(errno, "listen", address.to_string());
  }
  absl::StatusOr<SocketAddress> bound = SocketAddress::local_of(fd.get());
  if (!bound.ok()) return bound.status();
  return Listener{std::move(fd), *bound};
}

}  // namespace

absl::StatusOr<std::vector<Listener>> bind_sockets(uint16_t port,
                                                   std::string_view address,
                                                   const BindOptions& options) {
  absl::StatusOr<AddrinfoList> resolved =
      resolve_passive(port, address, options.family);
  if (!resolved.ok()) return resolved.status();

  std::vector<Listener> listeners;
  std::vector<std::string> seen;  // getaddrinfo may repeat an address
  absl::Status skipped;
  uint16_t chosen_port = port;
  for (const addrinfo* info = resolved->get(); info != nullptr;
       info = info->ai_next) {
    SocketAddress candidate(info->ai_addr, info->ai_addrlen);
    if (chosen_port != 0) set_port(candidate, chosen_port);
    const std::string name = candidate.to_string();
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    seen.push_back(name);

    absl::StatusOr<Listener> listener = listen_on(candidate, options);
    if (absl::IsFailedPrecondition(listener.status())) {
      skipped = listener.status();
      continue;
    }
    if (!listener.ok()) return listener.status();  // closes the others
    chosen_port = listener->address.port();
    listeners.push_back(*std::move(listener));
  }
  if (listeners.empty()) {
    return skipped.ok()
               ? absl::NotFoundError(absl::StrCat(
                     "bind_sockets: no address for \"", to_absl(address), "\""))
               : skipped;
  }
  return listeners;
}

}  // namespace gale
