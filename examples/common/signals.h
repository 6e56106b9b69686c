// Termination signals for example servers: block SIGINT and SIGTERM before
// the runtime starts (its reactor threads inherit the mask, so no reactor is
// interrupted), then wait for one on the main thread and shut down in order.
//
//   gale::examples::TerminationSignals signals;   // before Runtime::start
//   auto runtime = gale::Runtime::start(options);
//   ...
//   int signal = signals.wait();                  // SIGINT or SIGTERM
//   server->stop(grace); server->wait(); runtime->stop(); runtime->wait();
//
// Thread contract: construct and wait() on the main thread.
#ifndef GALE_EXAMPLES_COMMON_SIGNALS_H_
#define GALE_EXAMPLES_COMMON_SIGNALS_H_

#include <pthread.h>
#include <signal.h>

namespace gale::examples {

class TerminationSignals {
 public:
  TerminationSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
  }

  // Blocks until SIGINT or SIGTERM arrives; returns it.
  int wait() const {
    int signal = 0;
    sigwait(&set_, &signal);
    return signal;
  }

 private:
  sigset_t set_;
};

}  // namespace gale::examples

#endif  // GALE_EXAMPLES_COMMON_SIGNALS_H_
