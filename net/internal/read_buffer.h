// ReadBuffer: the bytes a stream has read and not yet handed out — one
// contiguous block, so a reader gets a string_view of what it asked for with
// no copy. It starts small and grows while reads keep filling it. A stream
// that waits for bytes with an empty buffer of the first size gives the block
// back to its thread's spare list (release()), and takes one from there when
// bytes come: an idle connection holds no buffer, and a busy one allocates
// nothing in steady state. Internal.
//
//   std::span<char> room = buffer.room_for(4096, limit);
//   ssize_t n = ::read(fd, room.data(), room.size());
//   if (n > 0) buffer.commit(n);
//   use(buffer.view().substr(0, k)); buffer.consume(k);
//
// Thread contract: none of its own (owned by one stream).
#ifndef GALE_NET_INTERNAL_READ_BUFFER_H_
#define GALE_NET_INTERNAL_READ_BUFFER_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace gale::internal {

class ReadBuffer {
 public:
  static constexpr size_t kInitialCapacity = 4096;

  std::string_view view() const {
    return std::string_view(data_.get() + begin_, end_ - begin_);
  }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }
  size_t capacity() const { return capacity_; }

  void consume(size_t count) {
    begin_ += static_cast<uint32_t>(count);
    if (begin_ == end_) begin_ = end_ = 0;  // the next read starts at the front
  }

  // Free space at the end for the next read: `wanted` bytes if the buffer may
  // hold that many more without exceeding `limit`, else what the limit allows
  // (possibly nothing). Compacts or grows as needed.
  std::span<char> room_for(size_t wanted, size_t limit) {
    const size_t allowed = limit > size() ? limit - size() : 0;
    wanted = std::min(wanted, allowed);
    if (capacity_ - end_ < wanted) make_room(wanted);
    return std::span<char>(data_.get() + end_,
                           std::min<size_t>(capacity_ - end_, allowed));
  }

  void commit(size_t count) { end_ += static_cast<uint32_t>(count); }

  // Gives an empty block of the first size back to the thread's spares
  // (with `any_size`, a bigger one back to the allocator too).
  void release(bool any_size = false) {
    if (!empty() || capacity_ == 0) return;
    if (capacity_ == kInitialCapacity) {
      std::vector<std::unique_ptr<char[]>>& spares = thread_spares();
      if (spares.size() < kMaxSpares) spares.push_back(std::move(data_));
    } else if (!any_size) {
      return;
    }
    data_.reset();
    capacity_ = 0;
  }

 private:
  // Enough for every connection of a reactor that is busy at one moment.
  static constexpr size_t kMaxSpares = 1024;

  static std::vector<std::unique_ptr<char[]>>& thread_spares() {
    thread_local std::vector<std::unique_ptr<char[]>> spares;
    return spares;
  }

  static std::unique_ptr<char[]> allocate(size_t capacity) {
    if (capacity == kInitialCapacity) {
      std::vector<std::unique_ptr<char[]>>& spares = thread_spares();
      if (!spares.empty()) {
        std::unique_ptr<char[]> block = std::move(spares.back());
        spares.pop_back();
        return block;
      }
    }
    return std::unique_ptr<char[]>(new char[capacity]);
  }

  void make_room(size_t wanted) {
    const size_t needed = size() + wanted;
    if (needed <= capacity_) {  // enough space, scattered: move the bytes down
      std::memmove(data_.get(), data_.get() + begin_, size());
    } else {
      size_t capacity =
          std::max<size_t>(size_t{capacity_} * 2, kInitialCapacity);
      while (capacity < needed) capacity *= 2;
      std::unique_ptr<char[]> data = allocate(capacity);
      if (!empty()) std::memcpy(data.get(), data_.get() + begin_, size());
      data_ = std::move(data);
      capacity_ = static_cast<uint32_t>(capacity);
    }
    end_ -= begin_;
    begin_ = 0;
  }

  // 32-bit offsets: a stream exists by the ten thousand, and its buffer is
  // bounded by IOStreamOptions::max_buffer_size (2 GiB at most), so the
  // doubling capacity stays below 4 GiB.
  std::unique_ptr<char[]> data_;
  uint32_t capacity_ = 0;
  uint32_t begin_ = 0;
  uint32_t end_ = 0;
};

}  // namespace gale::internal

#endif  // GALE_NET_INTERNAL_READ_BUFFER_H_
