// bind_sockets(): listening sockets for a port, as Tornado's
// tornado.netutil.bind_sockets opens them. With an empty address it listens
// on every interface, over IPv4 and IPv6 both (the IPv6 socket is v6-only, so
// the two never fight over the port); a host name binds every address it
// resolves to. Each socket is non-blocking and close-on-exec, has
// SO_REUSEADDR (a restarted server rebinds at once despite TIME_WAIT) and,
// on request, SO_REUSEPORT (one listener per reactor, the kernel spreading
// connections over them).
//
//   auto listeners = gale::bind_sockets(0, "127.0.0.1");  // port 0: any free
//   if (!listeners.ok()) return listeners.status();   // "bind 127.0.0.1:80:
//                                                      // Address already in
//                                                      use"
//   uint16_t port = (*listeners)[0].address.port();    // the port chosen
//
// With port 0 and several addresses, every socket gets the port the first one
// was given, so the server has one port to announce.
//
// Thread contract: thread-safe; blocking (name resolution), so call it at
// start-up or from the offload pool, not from a busy reactor.
#ifndef GALE_NET_BIND_SOCKETS_H_
#define GALE_NET_BIND_SOCKETS_H_

#include <sys/socket.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "net/socket_address.h"
#include "net/unique_fd.h"

namespace gale {

struct BindOptions {
  // listen(2)'s backlog (the kernel caps it at net.core.somaxconn). nginx's
  // default: big enough for a burst of connections between two accept runs.
  int backlog = 511;
  // SO_REUSEPORT: several sockets (one per reactor) may bind the same port.
  bool reuse_port = false;
  // AF_UNSPEC (both), AF_INET or AF_INET6.
  int family = AF_UNSPEC;
};

// A bound, listening socket.
struct Listener {
  UniqueFd fd;
  SocketAddress address;  // as bound: the port is the chosen one for port 0
};

// Binds and listens on `port` at `address` ("" for every interface; a
// numeric address or a host name otherwise). Fails as a whole: on any error
// the sockets opened so far are closed, and the status names the address
// ("bind [::]:8888: Address already in use"). A family the host lacks (no
// IPv6) is skipped as long as another one binds.
absl::StatusOr<std::vector<Listener>> bind_sockets(
    uint16_t port, std::string_view address = {},
    const BindOptions& options = {});

}  // namespace gale

#endif  // GALE_NET_BIND_SOCKETS_H_
