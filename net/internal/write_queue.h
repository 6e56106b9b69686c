// WriteQueue: the bytes a stream has been asked to write and the kernel has not
// taken yet, as a list of chunks gathered into one writev. Small writes are
// copied into the tail chunk (many responses, one iovec); big strings are
// moved in as chunks of their own (no copy). Emptied chunks go to the
// thread's spare strings, which the next copies reuse: a steady stream of
// writes allocates nothing, and an idle queue holds no string. Internal.
//
//   queue.append("HTTP/1.1 200 OK\r\n...");
//   queue.append(std::move(big_body));
//   iovec iov[kMaxIov];
//   size_t n = queue.gather(iov, kMaxIov);
//   ssize_t sent = ::writev(fd, iov, n);
//   if (sent > 0) queue.consume(sent);
//
// Thread contract: none of its own (owned by one stream).
#ifndef GALE_NET_INTERNAL_WRITE_QUEUE_H_
#define GALE_NET_INTERNAL_WRITE_QUEUE_H_

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gale::internal {

class WriteQueue {
 public:
  // Strings this big are moved in rather than copied.
  static constexpr size_t kMoveThreshold = 4096;
  // The tail chunk takes copies until it holds this many bytes.
  static constexpr size_t kCoalesceLimit = size_t{64} << 10;

  size_t size() const { return pending_; }
  bool empty() const { return pending_ == 0; }

  void append(std::string_view bytes) {
    if (bytes.empty()) return;
    if (head_ == chunks_.size() || !chunks_.back().copied ||
        chunks_.back().bytes.size() + bytes.size() > kCoalesceLimit) {
      push(spare_string(), /*copied=*/true);
    }
    chunks_.back().bytes.append(bytes);
    pending_ += bytes.size();
  }

  void append(std::string&& bytes) {
    if (bytes.size() < kMoveThreshold) {
      append(std::string_view(bytes));
      return;
    }
    pending_ += bytes.size();
    push(std::move(bytes), /*copied=*/false);
  }

  // Fills up to `capacity` iovecs with the queued bytes, in order.
  size_t gather(iovec* iov, size_t capacity) const {
    size_t count = 0;
    for (size_t i = head_; i < chunks_.size() && count < capacity; ++i) {
      const Chunk& chunk = chunks_[i];
      iov[count].iov_base = const_cast<char*>(chunk.bytes.data() + chunk.sent);
      iov[count].iov_len = chunk.bytes.size() - chunk.sent;
      ++count;
    }
    return count;
  }

  // The kernel took the first `count` queued bytes.
  void consume(size_t count) {
    pending_ -= count;
    while (count > 0) {
      Chunk& chunk = chunks_[head_];
      const size_t left = chunk.bytes.size() - chunk.sent;
      if (count < left) {
        chunk.sent += count;
        return;
      }
      count -= left;
      retire(chunk);
      ++head_;
    }
    if (head_ == chunks_.size()) {
      chunks_.clear();  // keeps the vector's capacity
      head_ = 0;
    }
  }

  // An empty queue gives its chunk list to the thread's spares (an idle
  // connection holds none; its next write takes one back, no malloc).
  void release_spare_memory() {
    if (!empty() || chunks_.capacity() == 0) return;
    chunks_.clear();
    head_ = 0;
    std::vector<std::vector<Chunk>>& lists = thread_chunk_lists();
    if (lists.size() < kMaxSpareLists &&
        chunks_.capacity() <= kMaxSpareListCapacity) {
      lists.emplace_back().swap(chunks_);
    } else {
      std::vector<Chunk>().swap(chunks_);
    }
  }

  void clear() {
    chunks_.clear();
    head_ = 0;
    pending_ = 0;
  }

 private:
  struct Chunk {
    std::string bytes;
    size_t sent = 0;
    bool copied = true;  // a chunk of copies may take more; a moved one not
  };

  // Spare strings kept per thread for the next copies: enough for every
  // stream of a reactor that writes at one moment, and 1 MiB in all at most.
  static constexpr size_t kMaxSpares = 64;
  static constexpr size_t kMaxSpareBytes = size_t{1} << 20;
  struct SpareStrings {
    std::vector<std::string> strings;
    size_t bytes = 0;  // their capacities
  };

  static SpareStrings& thread_spares() {
    thread_local SpareStrings spares;
    return spares;
  }

  void push(std::string bytes, bool copied) {
    if (chunks_.capacity() == 0) {
      std::vector<std::vector<Chunk>>& lists = thread_chunk_lists();
      if (!lists.empty()) {
        chunks_.swap(lists.back());
        lists.pop_back();
      }
    }
    chunks_.push_back(Chunk{std::move(bytes), 0, copied});
  }

  // Chunk lists of idle queues, kept per thread for the next writes: enough
  // for every connection of a reactor that wakes at one moment.
  static constexpr size_t kMaxSpareLists = 1024;
  // Only small lists are kept: one that once held thousands of chunks goes.
  static constexpr size_t kMaxSpareListCapacity = 8;

  static std::vector<std::vector<Chunk>>& thread_chunk_lists() {
    thread_local std::vector<std::vector<Chunk>> lists;
    return lists;
  }

  static std::string spare_string() {
    SpareStrings& spares = thread_spares();
    if (spares.strings.empty()) return std::string();
    std::string spare = std::move(spares.strings.back());
    spares.strings.pop_back();
    spares.bytes -= spare.capacity();
    return spare;
  }

  void retire(Chunk& chunk) {
    SpareStrings& spares = thread_spares();
    const size_t capacity = chunk.bytes.capacity();
    if (chunk.copied && spares.strings.size() < kMaxSpares &&
        capacity <= kCoalesceLimit * 2 &&
        spares.bytes + capacity <= kMaxSpareBytes) {
      chunk.bytes.clear();
      spares.bytes += capacity;
      spares.strings.push_back(std::move(chunk.bytes));
    }
  }

  std::vector<Chunk> chunks_;
  size_t pending_ = 0;
  uint32_t head_ = 0;  // the chunks before it are sent
};

}  // namespace gale::internal

#endif  // GALE_NET_INTERNAL_WRITE_QUEUE_H_
