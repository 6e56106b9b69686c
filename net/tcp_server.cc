#include "net/tcp_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdio>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "net/bind_sockets.h"
#include "reactor/future.h"
#include "reactor/spawn.h"
#include "reactor/when.h"

namespace gale {

namespace {

// Owned by a shard's task frame, so that the shard counts as ended whenever
// the frame goes — its body finished, or the runtime destroyed it, even
// before it started.
class ShardLease {
 public:
  explicit ShardLease(std::function<void()> end) : end_(std::move(end)) {}
  ShardLease(ShardLease&& other) noexcept = default;
  ShardLease(const ShardLease&) = delete;
  ~ShardLease() {
    if (end_) end_();
  }

 private:
  std::function<void()> end_;
};

}  // namespace

// What every reactor's part of the server shares with the server object.
struct TcpServer::Shared {
  std::atomic<size_t> connections{0};
  std::atomic<uint64_t> accepted{0};

  std::mutex mutex;
  std::condition_variable all_ended;
  size_t shards_running = 0;  // guarded by mutex

  void shard_ended() {
    std::lock_guard<std::mutex> lock(mutex);
    if (--shards_running == 0) all_ended.notify_all();
  }
};

// The server on one reactor: its acceptors and its open connections. Touched
// only on that reactor's thread, except for the stop promise.
struct TcpServer::Shard : std::enable_shared_from_this<Shard> {
  Reactor* reactor = nullptr;
  std::shared_ptr<Shared> shared;
  OnConnection on_connection;
  std::function<void(Reactor&)> on_stop;
  bool stop_hook_ran = false;
  IOStreamOptions stream_options;
  // TCP_NODELAY was set on the listeners instead of per stream: checked on
  // the first accepted socket.
  bool check_inherited_nodelay = false;
  AcceptorOptions accept_options;
  std::vector<UniqueFd> listeners;  // until the acceptors take them
  std::vector<std::unique_ptr<Acceptor>> acceptors;
  // kRoundRobin: the shards the acceptors of this one hand connections to.
  // (Raw: the server owns every shard and outlives their acceptors.)
  std::vector<Shard*> round_robin;
  size_t next_target = 0;
  absl::flat_hash_set<internal::StreamState*> live;
  std::optional<Promise<void>> all_closed;  // while a stop waits for `live`
  Promise<Duration> stop_promise;
  std::atomic<bool> stop_sent{false};

  void open_acceptors() {
    for (UniqueFd& listener : listeners) {
      absl::StatusOr<std::unique_ptr<Acceptor>> acceptor =
          Acceptor::start(*reactor, std::move(listener), accept_options,
                          [this](UniqueFd fd, const SocketAddress& /*peer*/) {
                            on_accept(std::move(fd));
                          });
      if (!acceptor.ok()) {
        std::fprintf(stderr, "gale: TcpServer: %s\n",
                     acceptor.status().ToString().c_str());
        continue;
      }
      acceptors.push_back(*std::move(acceptor));
    }
    listeners.clear();
  }

  void on_accept(UniqueFd fd) {
    shared->accepted.fetch_add(1, std::memory_order_relaxed);
    if (round_robin.empty()) {
      serve(std::move(fd));
      return;
    }
    Shard* target = round_robin[next_target++ % round_robin.size()];
    if (target == this) {
      serve(std::move(fd));
      return;
    }
    // Dropped unrun (the runtime stopping), the callback closes the socket.
    target->reactor->post(
        [target = target->shared_from_this(), fd = std::move(fd)]() mutable {
          target->serve(std::move(fd));
        });
  }

  void serve(UniqueFd fd) {
    if (std::exchange(check_inherited_nodelay, false)) {
      // Once: did the accepted socket inherit the listener's TCP_NODELAY?
      // (Linux's do.) If not, each stream sets it again.
      int value = 0;
      socklen_t size = sizeof(value);
      if (::getsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &value, &size) !=
              0 ||
          value == 0) {
        stream_options.no_delay = true;
      }
    }
    absl::StatusOr<IOStream> stream =
        internal::create_sole_owner_stream(std::move(fd), stream_options);
    if (!stream.ok()) {
      std::fprintf(stderr, "gale: TcpServer: %s\n",
                   stream.status().ToString().c_str());
      return;
    }
    internal::StreamState* state = internal::state_of(*stream);
    live.insert(state);
    shared->connections.fetch_add(1, std::memory_order_relaxed);
    // (Raw: the server owns its shards and outlives their connections.)
    internal::set_close_hook(
        *state,
        [](void* shard, internal::StreamState& closing) {
          static_cast<Shard*>(shard)->closed(&closing);
        },
        this);
    on_connection(*std::move(stream));
  }

  void closed(internal::StreamState* state) {
    live.erase(state);
    shared->connections.fetch_sub(1, std::memory_order_relaxed);
    for (const std::unique_ptr<Acceptor>& acceptor : acceptors) {
      acceptor->resume();  // a descriptor is free again
    }
    if (live.empty() && all_closed.has_value()) {
      all_closed->set_value();
      all_closed.reset();
    }
  }

  // The shard's life on its reactor: accept until stopped, then wait for the
  // connections (at most `grace`), then close what is left.
  static Task<void> run(std::shared_ptr<Shard> shard,
                        Future<Duration> stop_signal,
                        [[maybe_unused]] ShardLease lease) {
    // Destroyed before the lease reports this shard ended, on this reactor's
    // thread, however the frame ends.
    struct CloseAcceptors {
      Shard* shard;
      ~CloseAcceptors() {
        shard->acceptors.clear();
        shard->run_stop_hook();  // if the runtime ended the frame unstopped
      }
    } close_acceptors{shard.get()};
    shard->open_acceptors();
    const Duration grace = co_await std::move(stop_signal);
    shard->acceptors.clear();  // new clients are refused from here on
    shard->run_stop_hook();
    if (shard->live.empty()) co_return;
    Promise<void> all_closed;
    Future<void> closed = all_closed.get_future();
    shard->all_closed.emplace(std::move(all_closed));
    const absl::Status in_time =
        co_await with_timeout(grace, wait_for(std::move(closed)));
    if (!in_time.ok()) shard->close_all("the server stopped");
    shard->all_closed.reset();
  }

  static Task<void> wait_for(Future<void> future) {
    co_await std::move(future);
  }

  void run_stop_hook() {
    if (on_stop && !std::exchange(stop_hook_ran, true)) on_stop(*reactor);
  }

  void close_all(std::string_view why) {
    const std::vector<internal::StreamState*> left(live.begin(), live.end());
    for (internal::StreamState* state : left)
      internal::close_stream(*state, why);
  }
};

absl::StatusOr<std::unique_ptr<TcpServer>> TcpServer::start(
    Runtime& runtime, const TcpServerOptions& options, Serve serve) {
  return start_with(runtime, options,
                    [serve = std::move(serve)](IOStream stream) {
                      Reactor& reactor = stream.reactor();
                      gale::spawn(reactor, serve(std::move(stream)));
                    });
}

absl::StatusOr<std::unique_ptr<TcpServer>> TcpServer::start_with(
    Runtime& runtime, const TcpServerOptions& options,
    const OnConnection& on_connection) {
  const size_t reactors = runtime.size();
  const bool per_reactor =
      options.spread == TcpServerOptions::Spread::kListenerPerReactor;
  BindOptions bind;
  bind.backlog = options.backlog;
  bind.reuse_port = per_reactor;
  std::vector<std::vector<Listener>> listeners;
  uint16_t port = options.port;
  for (size_t i = 0; i < (per_reactor ? reactors : 1); ++i) {
    absl::StatusOr<std::vector<Listener>> bound =
        bind_sockets(port, options.address, bind);
    if (!bound.ok()) return bound.status();
    port = bound->front().address.port();  // the others share the chosen one
    listeners.push_back(*std::move(bound));
  }
  // Linux gives accepted sockets the listener's TCP_NODELAY: set once here,
  // not once per connection (a syscall each).
  IOStreamOptions stream_options = options.stream;
  if (stream_options.no_delay) {
    bool inherited = true;
    for (const std::vector<Listener>& group : listeners) {
      for (const Listener& listener : group) {
        const int on = 1;
        inherited =
            inherited && ::setsockopt(listener.fd.get(), IPPROTO_TCP,
                                      TCP_NODELAY, &on, sizeof(on)) == 0;
      }
    }
    if (inherited) stream_options.no_delay = false;  // already set
  }
  const bool check_inherited_nodelay =
      options.stream.no_delay && !stream_options.no_delay;
  std::vector<SocketAddress> addresses;
  for (const Listener& listener : listeners.front()) {
    addresses.push_back(listener.address);
  }

  std::unique_ptr<TcpServer> server(
      new TcpServer(runtime, std::move(addresses)));
  server->shared_->shards_running = reactors;
  for (size_t i = 0; i < reactors; ++i) {
    auto shard = std::make_shared<Shard>();
    shard->reactor = &runtime.reactor(i);
    shard->shared = server->shared_;
    shard->on_connection = on_connection;
    shard->on_stop = options.on_stop;
    shard->stream_options = stream_options;
    shard->check_inherited_nodelay = check_inherited_nodelay;
    shard->accept_options.max_per_event = static_cast<size_t>(options.backlog);
    shard->accept_options.retry_after = options.accept_retry;
    if (i < listeners.size()) {
      for (Listener& listener : listeners[i]) {
        shard->listeners.push_back(std::move(listener.fd));
      }
    }
    server->shards_.push_back(std::move(shard));
  }
  if (!per_reactor) {
    for (const std::shared_ptr<Shard>& shard : server->shards_) {
      server->shards_.front()->round_robin.push_back(shard.get());
    }
  }
  for (const std::shared_ptr<Shard>& shard : server->shards_) {
    std::shared_ptr<Shared> shared = server->shared_;
    gale::spawn(*shard->reactor,
                Shard::run(shard, shard->stop_promise.get_future(),
                           ShardLease([shared] { shared->shard_ended(); })));
  }
  return server;
}

TcpServer::TcpServer(Runtime& runtime, std::vector<SocketAddress> addresses)
    : runtime_(runtime),
      addresses_(std::move(addresses)),
      shared_(std::make_shared<Shared>()) {}

TcpServer::~TcpServer() {
  stop(Duration::zero());
  wait();
}

void TcpServer::stop(Duration grace) {
  for (const std::shared_ptr<Shard>& shard : shards_) {
    if (!shard->stop_sent.exchange(true)) shard->stop_promise.set_value(grace);
  }
}

void TcpServer::wait() {
  std::unique_lock<std::mutex> lock(shared_->mutex);
  shared_->all_ended.wait(lock,
                          [this] { return shared_->shards_running == 0; });
}

size_t TcpServer::connections() const {
  return shared_->connections.load(std::memory_order_relaxed);
}

TcpServerStats TcpServer::stats() const {
  TcpServerStats stats;
  stats.accepted = shared_->accepted.load(std::memory_order_relaxed);
  stats.connections = shared_->connections.load(std::memory_order_relaxed);
  return stats;
}

}  // namespace gale
