// SocketAddress: an IPv4 or IPv6 socket address (what bind, accept, connect
// and getsockname deal in), printable as "127.0.0.1:8888" or "[::1]:8888".
//
//   gale::SocketAddress address = listener.address;
//   std::printf("listening on %s\n", address.to_string().c_str());
//   uint16_t port = address.port();  // the port the kernel chose for port 0
//
// Thread contract: none of its own (a plain value type).
#ifndef GALE_NET_SOCKET_ADDRESS_H_
#define GALE_NET_SOCKET_ADDRESS_H_

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace gale {

class SocketAddress {
 public:
  SocketAddress() = default;
  // Copies `length` bytes of `address` (at most sizeof(sockaddr_storage)).
  SocketAddress(const sockaddr* address, socklen_t length);

  // The local address of a bound socket (getsockname).
  static absl::StatusOr<SocketAddress> local_of(int fd);
  // The peer of a connected socket (getpeername).
  static absl::StatusOr<SocketAddress> peer_of(int fd);

  int family() const { return storage_.ss_family; }
  uint16_t port() const;
  // "1.2.3.4:80", "[::1]:80", or "(none)" for an empty address.
  std::string to_string() const;

  const sockaddr* get() const {
    return reinterpret_cast<const sockaddr*>(&storage_);
  }
  sockaddr* get_mutable() { return reinterpret_cast<sockaddr*>(&storage_); }
  socklen_t length() const { return length_; }
  // For the out-parameters of accept4 and friends: the capacity, then
  // whatever length they report.
  socklen_t* length_mutable() {
    length_ = sizeof(storage_);
    return &length_;
  }

 private:
  sockaddr_storage storage_{};
  socklen_t length_ = 0;
};

}  // namespace gale

#endif  // GALE_NET_SOCKET_ADDRESS_H_
