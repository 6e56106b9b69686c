// A log-linear histogram of latencies in nanoseconds, in the manner of
// HdrHistogram: exact below 64 ns, then 64 linear sub-buckets per power of
// two, so a quantile is reported within 1/128 of the true value. Its size is
// fixed (~30 KiB), so recording never allocates.
//
//   gale::bench::LatencyHistogram histogram;
//   histogram.record(end_ns - start_ns);
//   double p99_ns = histogram.quantile(0.99);
//
// Not thread-safe: one per client thread, merged after the threads joined.
#ifndef GALE_BENCH_NET_LATENCY_HISTOGRAM_H_
#define GALE_BENCH_NET_LATENCY_HISTOGRAM_H_

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace gale::bench {

class LatencyHistogram {
 public:
  void record(uint64_t nanoseconds) {
    ++counts_[bucket_of(nanoseconds)];
    ++count_;
  }

  void merge(const LatencyHistogram& other) {
    for (size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
  }

  uint64_t count() const { return count_; }

  // The value of rank ceil(q * count()) (q in [0, 1]), as the midpoint of its
  // bucket; 0 if nothing was recorded.
  double quantile(double q) const {
    if (count_ == 0) return 0;
    const auto rank = static_cast<uint64_t>(
        std::max(1.0, std::ceil(q * static_cast<double>(count_))));
    uint64_t seen = 0;
    for (size_t i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return midpoint(i);
    }
    return midpoint(kBuckets - 1);
  }

 private:
  static constexpr int kSubBits = 6;
  static constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBits;
  // Values of up to 64 significant bits: the exact range, then one row of
  // sub-buckets per further power of two.
  static constexpr size_t kBuckets = (64 - kSubBits + 1) * kSubBuckets;

  static size_t bucket_of(uint64_t value) {
    const int top_bit = 63 - std::countl_zero(value | 1);
    if (top_bit < kSubBits) return value;
    const int shift = top_bit - kSubBits;
    const uint64_t sub = (value >> shift) & (kSubBuckets - 1);
    return (shift + 1) * kSubBuckets + sub;
  }

  static double midpoint(size_t bucket) {
    if (bucket < kSubBuckets) return static_cast<double>(bucket);
    const int shift = static_cast<int>(bucket / kSubBuckets) - 1;
    const uint64_t lowest = (kSubBuckets + bucket % kSubBuckets) << shift;
    const uint64_t width = uint64_t{1} << shift;
    return static_cast<double>(lowest) + static_cast<double>(width - 1) / 2;
  }

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
};

}  // namespace gale::bench

#endif  // GALE_BENCH_NET_LATENCY_HISTOGRAM_H_
