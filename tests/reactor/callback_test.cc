// Callback: inline versus boxed storage, moves, destruction, and the allocation
// promise.
#include "reactor/callback.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace gale {
namespace {

struct Tracked {
  explicit Tracked(int* destroyed) : destroyed(destroyed) {}
  Tracked(Tracked&& other) noexcept
      : destroyed(std::exchange(other.destroyed, nullptr)) {}
  ~Tracked() {
    if (destroyed != nullptr) ++*destroyed;
  }
  int* destroyed;
};

TEST(CallbackTest, EmptyByDefaultAndAfterNullptr) {
  Callback empty;
  EXPECT_FALSE(empty);
  Callback fn = [] {};
  EXPECT_TRUE(fn);
  fn = nullptr;
  EXPECT_FALSE(fn);
}

TEST(CallbackTest, ThreePointerCaptureIsStoredInline) {
  int a = 0, b = 0, c = 0;
  auto lambda = [&a, &b, &c] { ++a, ++b, ++c; };
  static_assert(Callback::stored_inline<decltype(lambda)>());
  Callback fn = lambda;
  fn();
  EXPECT_EQ(a + b + c, 3);
}

TEST(CallbackTest, LargeCaptureIsBoxedAndStillWorks) {
  std::array<int, 32> big{};
  big[31] = 7;
  int seen = 0;
  auto lambda = [big, &seen] { seen = big[31]; };
  static_assert(!Callback::stored_inline<decltype(lambda)>());
  Callback fn = lambda;
  Callback moved = std::move(fn);
  EXPECT_FALSE(
      fn);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  moved();
  EXPECT_EQ(seen, 7);
}

TEST(CallbackTest, NonTrivialInlineCaptureIsMovedAndDestroyedOnce) {
  int destroyed = 0;
  {
    Callback fn = [t = Tracked(&destroyed)] {};
    Callback second = std::move(fn);
    Callback third;
    third = std::move(second);
    EXPECT_EQ(destroyed, 0);
  }
  EXPECT_EQ(destroyed, 1);
}

TEST(CallbackTest, BoxedCaptureIsDestroyedOnce) {
  int destroyed = 0;
  {
    std::array<char, 64> padding{};
    Callback fn = [t = Tracked(&destroyed), padding] { (void)padding; };
    Callback other = std::move(fn);
  }
  EXPECT_EQ(destroyed, 1);
}

TEST(CallbackTest, MoveOnlyCaptureWorks) {
  auto owned = std::make_unique<std::string>("moved, not copied");
  std::string seen;
  Callback fn = [owned = std::move(owned), &seen] { seen = *owned; };
  Callback other = std::move(fn);
  other();
  EXPECT_EQ(seen, "moved, not copied");
}

TEST(CallbackTest, AssigningOverACallbackDestroysTheOldOne) {
  int destroyed = 0;
  Callback fn = [t = Tracked(&destroyed)] {};
  fn = [] {};
  EXPECT_EQ(destroyed, 1);
}

// The reactor's inbound queue moves each item out with relocate_from_queue and
// destroys it at once (internal/inbound_work.h).
TEST(CallbackTest, AQueueRelocationWritesNothingToATriviallyRelocatableSource) {
  int calls = 0;
  // Fills the whole inline storage, so every byte compared is initialised.
  auto fill = [&calls, a = uint64_t{1}, b = uint64_t{2}, c = uint64_t{3}] {
    calls += static_cast<int>(a + b + c);
  };
  static_assert(sizeof(fill) == Callback::kInlineSize);
  Callback from = fill;
  std::array<unsigned char, sizeof(Callback)> before{};
  const auto* bytes = reinterpret_cast<const unsigned char*>(&from);
  std::copy(bytes, bytes + sizeof(Callback), before.begin());
  Callback to;
  to.relocate_from_queue(from);
  EXPECT_TRUE(std::equal(before.begin(), before.end(), bytes));
  to();
  EXPECT_EQ(calls, 6);
}

TEST(CallbackTest, AQueueRelocationOverACallableDestroysItOnce) {
  int destroyed = 0;
  Callback to = [t = Tracked(&destroyed)] {};
  Callback from = [] {};
  to.relocate_from_queue(from);
  EXPECT_EQ(destroyed, 1);
  EXPECT_TRUE(to);
}

TEST(CallbackTest, AQueueRelocationEmptiesASourceThatOwnsSomething) {
  int destroyed = 0;
  {
    Callback from = [t = Tracked(&destroyed)] {};
    Callback to;
    to.relocate_from_queue(from);
    EXPECT_FALSE(from);
    EXPECT_TRUE(to);
  }
  EXPECT_EQ(destroyed, 1);
}

TEST(CallbackTest, AQueueRelocationEmptiesABoxedSource) {
  auto shared = std::make_shared<int>(7);
  int seen = 0;
  {
    std::array<char, 64> padding{};
    Callback from = [shared, padding, &seen] {
      seen = *shared + static_cast<int>(padding.size());
    };
    Callback to;
    to.relocate_from_queue(from);
    EXPECT_FALSE(from);
    to();
  }
  EXPECT_EQ(seen, 7 + 64);
  EXPECT_EQ(shared.use_count(), 1);  // the box was freed, and only once
}

TEST(CallbackTest, ExceptionsPropagateToTheCaller) {
  Callback fn = [] { throw std::runtime_error("from inside"); };
  EXPECT_THROW(fn(), std::runtime_error);
}

}  // namespace
}  // namespace gale
