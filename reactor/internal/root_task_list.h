// RootTaskList: the task chains a reactor is running (one node per spawn()), so
// that a reactor destroyed with suspended tasks can destroy their coroutine
// frames — releasing their timers, registrations and future waits — before it
// tears down its own queues. Intrusive and allocation-free. Internal.
//
// Thread contract: Reactor thread only.
#ifndef GALE_REACTOR_INTERNAL_ROOT_TASK_LIST_H_
#define GALE_REACTOR_INTERNAL_ROOT_TASK_LIST_H_

#include <coroutine>

namespace gale::internal {

struct RootTaskNode {
  RootTaskNode* prev = nullptr;
  RootTaskNode* next = nullptr;
  std::coroutine_handle<> frame;  // the driver coroutine of the chain
  bool linked() const { return prev != nullptr; }
};

class RootTaskList {
 public:
  RootTaskList() { head_.prev = head_.next = &head_; }
  RootTaskList(const RootTaskList&) = delete;
  RootTaskList& operator=(const RootTaskList&) = delete;

  bool empty() const { return head_.next == &head_; }

  void link(RootTaskNode& node) {
    node.prev = head_.prev;
    node.next = &head_;
    head_.prev->next = &node;
    head_.prev = &node;
  }

  void unlink(RootTaskNode& node) {
    if (!node.linked()) return;
    node.prev->next = node.next;
    node.next->prev = node.prev;
    node.prev = node.next = nullptr;
  }

  // Unlinks and destroys every frame, newest first (a newer chain may wait on
  // an older one, never the other way round).
  void destroy_all() {
    while (!empty()) {
      RootTaskNode& node = *head_.prev;
      unlink(node);
      node.frame.destroy();
    }
  }

 private:
  RootTaskNode head_;
};

}  // namespace gale::internal

#endif  // GALE_REACTOR_INTERNAL_ROOT_TASK_LIST_H_
