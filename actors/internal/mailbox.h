// Mailbox: the FIFO of envelopes waiting for one actor — an intrusive singly
// linked list, so enqueueing allocates nothing. Internal.
//
// Thread contract: Reactor thread only (the actor's own). Messages from other
// threads reach it through the reactor's inbound queue first.
#ifndef GALE_ACTORS_INTERNAL_MAILBOX_H_
#define GALE_ACTORS_INTERNAL_MAILBOX_H_

#include "actors/internal/envelope.h"

namespace gale::internal {

class Mailbox {
 public:
  Mailbox() = default;
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;
  // Envelopes still queued are rejected by the owner before this runs.
  ~Mailbox() = default;

  bool empty() const { return head_ == nullptr; }

  void push(Envelope* envelope) {
    envelope->next = nullptr;
    if (tail_ == nullptr) {
      head_ = envelope;
    } else {
      tail_->next = envelope;
    }
    tail_ = envelope;
  }

  // The oldest envelope, or nullptr.
  Envelope* pop() {
    Envelope* envelope = head_;
    if (envelope == nullptr) return nullptr;
    head_ = envelope->next;
    if (head_ == nullptr) tail_ = nullptr;
    envelope->next = nullptr;
    return envelope;
  }

 private:
  Envelope* head_ = nullptr;
  Envelope* tail_ = nullptr;
};

}  // namespace gale::internal

#endif  // GALE_ACTORS_INTERNAL_MAILBOX_H_
