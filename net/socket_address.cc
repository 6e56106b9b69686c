#include "net/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "net/errno_status.h"

namespace gale {

SocketAddress::SocketAddress(const sockaddr* address, socklen_t length)
    : length_(std::min<socklen_t>(length, sizeof(storage_))) {
  std::memcpy(&storage_, address, length_);
}

absl::StatusOr<SocketAddress> SocketAddress::local_of(int fd) {
  SocketAddress address;
  if (::getsockname(fd, address.get_mutable(), address.length_mutable()) != 0) {
    return errno_status(errno, "getsockname");
  }
  return address;
}

absl::StatusOr<SocketAddress> SocketAddress::peer_of(int fd) {
  SocketAddress address;
  if (::getpeername(fd, address.get_mutable(), address.length_mutable()) != 0) {
    return errno_status(errno, "getpeername");
  }
  return address;
}

uint16_t SocketAddress::port() const {
  switch (family()) {
    case AF_INET:
      return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
    case AF_INET6:
      return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
    default:
      return 0;
  }
}

std::string SocketAddress::to_string() const {
  char host[INET6_ADDRSTRLEN] = "";
  switch (family()) {
    case AF_INET:
      ::inet_ntop(AF_INET,
                  &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr,
                  host, sizeof(host));
      return absl::StrCat(host, ":", port());
    case AF_INET6:
      ::inet_ntop(AF_INET6,
                  &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr,
                  host, sizeof(host));
      return absl::StrCat("[", host, "]:", port());
    default:
      return "(none)";
  }
}

}  // namespace gale
