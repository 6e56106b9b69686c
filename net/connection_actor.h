// ConnectionActor: an actor that owns one TCP connection — what
// TcpServer::start_actors spawns for each accepted connection, on the reactor
// that accepted it. serve() is the connection's life, a task that runs beside
// the actor's message handlers (on one thread: no locks), so a connection can
// read its socket and still take messages from other actors, such as a chat
// room's broadcasts.
//
//   class EchoConnection : public gale::ConnectionActor {
//    public:
//     using ConnectionActor::ConnectionActor;  // EchoConnection(IOStream)
//     gale::Task<> serve() override {
//       for (;;) {
//         auto bytes = co_await stream().read_some();
//         if (!bytes.ok()) co_return;            // the actor then stops
//         co_await stream().write(*bytes);
//         if (!(co_await stream().flush()).ok()) co_return;
//       }
//     }
//   };
//   auto server = gale::TcpServer::start_actors<EchoConnection>(runtime, {});
//
// When serve() returns the actor stops; when the actor stops (stop(), a
// supervision decision, the runtime's shutdown) serve() is cancelled, and the
// stream closes with the actor. A serve() that throws is reported and the
// actor stops (a connection cannot be rebuilt by a restart). Set up state in
// the constructor (or at the top of serve()): on_start belongs to this class.
//
// Thread contract: Reactor thread only (the actor's own), as any actor.
#ifndef GALE_NET_CONNECTION_ACTOR_H_
#define GALE_NET_CONNECTION_ACTOR_H_

#include <utility>

#include "actors/actor.h"
#include "net/io_stream.h"
#include "reactor/task.h"

namespace gale {

class ConnectionActor : public Actor {
 public:
  explicit ConnectionActor(IOStream stream) : stream_(std::move(stream)) {}

 protected:
  // The connection's life; the actor stops when it returns.
  virtual Task<void> serve() = 0;

  IOStream& stream() { return stream_; }

 private:
  void on_start() final { start_task(serve_then_stop()); }

  Task<void> serve_then_stop() {
    co_await serve();
    stop();
  }

  IOStream stream_;
};

}  // namespace gale

#endif  // GALE_NET_CONNECTION_ACTOR_H_
