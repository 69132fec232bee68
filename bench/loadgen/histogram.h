// Log-linear latency histogram (HdrHistogram-like), written for this benchmark.
//
// Values (nanoseconds) below 2^kSubBits are counted exactly. Above that, every power-of-two
// range [2^e, 2^(e+1)) is split into 2^kSubBits equal buckets, so a bucket is never wider than
// 1/128 of its values: percentiles carry < 0.8 % relative error. Memory is fixed (~60 KB) and
// recording is a few integer ops, so every sample can be recorded without storing it.
#pragma once

#include <cstdint>
#include <vector>

class Histogram {
 public:
  static constexpr int kSubBits = 7;                        // 128 sub-buckets per octave
  static constexpr uint64_t kSub = 1ull << kSubBits;
  static constexpr int kBuckets = int(kSub + (64 - kSubBits) * kSub);

  Histogram() : counts_(kBuckets, 0) {}

  void record(uint64_t v) {
    ++counts_[index(v)];
    ++total_;
    if (v > max_) max_ = v;
    sum_ += v;
  }

  void merge(const Histogram& o) {
    for (int i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    total_ += o.total_;
    sum_ += o.sum_;
    if (o.max_ > max_) max_ = o.max_;
  }

  uint64_t count() const { return total_; }
  uint64_t max() const { return max_; }
  double mean() const { return total_ ? double(sum_) / double(total_) : 0.0; }

  // Value at quantile q (0..1): the highest value that falls in the bucket holding the
  // ceil(q * count)-th sample (HdrHistogram's "highest equivalent value"), capped at max.
  uint64_t quantile(double q) const {
    if (total_ == 0) return 0;
    uint64_t rank = uint64_t(q * double(total_) + 0.5);
    if (rank < 1) rank = 1;
    if (rank > total_) rank = total_;
    uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) {
        uint64_t hi = highest(i);
        return hi < max_ ? hi : max_;
      }
    }
    return max_;
  }

 private:
  static int index(uint64_t v) {
    if (v < kSub) return int(v);
    int e = 63 - __builtin_clzll(v);                        // v in [2^e, 2^(e+1)), e >= kSubBits
    int shift = e - kSubBits;
    return int(kSub + uint64_t(shift) * kSub + ((v >> shift) - kSub));
  }
  // Highest value that maps to bucket i.
  static uint64_t highest(int i) {
    if (uint64_t(i) < kSub) return uint64_t(i);
    uint64_t shift = (uint64_t(i) - kSub) / kSub;
    uint64_t sub = (uint64_t(i) - kSub) % kSub + kSub;
    return ((sub + 1) << shift) - 1;
  }

  std::vector<uint64_t> counts_;
  uint64_t total_ = 0, sum_ = 0, max_ = 0;
};
