#include "aged_trace.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>

namespace spiking {
namespace {

// Ages up by one, held from `last` on; 0 where a spike came; the trace and
// its scaled products from the table.
void stepRow(const DecayTable& table, const std::uint8_t* spikes, std::uint16_t* age, float* x, float* scaled,
             std::size_t n) {
  const std::uint16_t last = table.last();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint16_t a = spikes[i] ? 0 : (age[i] < last ? static_cast<std::uint16_t>(age[i] + 1) : age[i]);
    age[i] = a;
    x[i] = table.at(a);
    scaled[i] = table.scaled(a);
  }
}

bool agesOf(const DecayTable& table, const float* x, std::uint16_t* age, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (!table.ageOf(x[i], age[i])) return false;
  }
  return true;
}

std::uint32_t bitsOf(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

}  // namespace

std::shared_ptr<const DecayTable> DecayTable::of(float decay, float scale) {
  struct Entry {
    std::uint32_t decay, scale;
    std::shared_ptr<const DecayTable> table;
  };
  static std::mutex lock;
  static std::vector<Entry> cache;  // the last few pairs asked for
  constexpr std::size_t kCached = 16;
  const std::uint32_t d = bitsOf(decay), s = bitsOf(scale);
  {
    std::lock_guard<std::mutex> hold(lock);
    for (const Entry& e : cache) {
      if (e.decay == d && e.scale == s) return e.table;
    }
  }
  auto table = std::make_shared<DecayTable>();
  if (!table->build(decay, scale)) table = nullptr;
  std::lock_guard<std::mutex> hold(lock);
  if (cache.size() == kCached) cache.erase(cache.begin());
  cache.push_back({d, s, table});
  return table;
}

bool DecayTable::build(float decay, float scale) {
  if (!(decay >= 0.0f && decay <= 1.0f)) return false;
  values_.assign(1, 1.0f);
  while (values_.size() < kMaxEntries) {
    const float next = values_.back() * decay;
    if (next == values_.back()) {
      last_ = static_cast<std::uint16_t>(values_.size() - 1);
      if (values_.back() != 0.0f) values_.push_back(0.0f);  // a trace that never fired
      scaled_.resize(values_.size());
      for (std::size_t k = 0; k < values_.size(); ++k) scaled_[k] = scale * values_[k];
      return true;
    }
    values_.push_back(next);
  }
  return false;
}

bool DecayTable::ageOf(float x, std::uint16_t& age) const {
  // Most traces sit at the end: the fixed point, or +0 after it.
  for (std::size_t k = last_; k < values_.size(); ++k) {
    if (std::memcmp(&values_[k], &x, sizeof(float)) == 0) {
      age = static_cast<std::uint16_t>(k);
      return true;
    }
  }
  // values_ decreases strictly: the first entry <= x, then its bits.
  std::size_t lo = 0, hi = values_.size();
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (values_[mid] > x) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == values_.size() || std::memcmp(&values_[lo], &x, sizeof(float)) != 0) return false;
  age = static_cast<std::uint16_t>(lo);
  return true;
}

bool AgedPairTraces::start(const Synapses& S, float decayPre, float decayPost, float aMinus, const float* pre,
                           const float* post, std::uint64_t first) {
  pre_ = DecayTable::of(decayPre, 1.0f);
  post_ = DecayTable::of(decayPost, aMinus);
  if (!pre_ || !post_) return false;
  preSpike_.resize(S.batch * S.in);
  postAge_.resize(S.batch * S.out);
  depression_.assign(S.batch * S.stride, 0.0f);
  const std::int64_t before = static_cast<std::int64_t>(first) - 1;  // the age is counted from here
  for (std::size_t k = 0; k < S.batch * S.in; ++k) {
    std::uint16_t age = 0;
    if (!pre_->ageOf(pre[k], age)) return false;
    preSpike_[k] = age > pre_->last() ? kNever : before - age;
  }
  for (std::size_t b = 0; b < S.batch; ++b) {
    if (!agesOf(*post_, post + b * S.stride, postAge_.data() + b * S.out, S.out)) return false;
  }
  return true;
}

void AgedPairTraces::writePre(float* pre, std::size_t b, std::size_t in, std::uint64_t t) const {
  const std::int64_t now = static_cast<std::int64_t>(t);
  const std::int64_t last = pre_->last();
  const std::int64_t* spike = preSpike_.data() + b * in;
  float* x = pre + b * in;
  for (std::size_t i = 0; i < in; ++i) {
    const std::int64_t age = spike[i] == kNever ? last + 1 : std::min(now - spike[i], last);
    x[i] = pre_->at(static_cast<std::uint16_t>(age));
  }
}

void AgedPairTraces::step(const Synapses& S, const std::uint32_t* arrivals, const std::uint8_t* postSpikes, float* pre,
                          float* post, std::uint64_t t) {
  const std::uint32_t* starts = arrivals + S.batch * S.in;
  for (std::size_t b = 0; b < S.batch; ++b) {
    std::int64_t* spike = preSpike_.data() + b * S.in;
    for (std::uint32_t e = starts[b]; e < starts[b + 1]; ++e) spike[arrivals[e]] = static_cast<std::int64_t>(t);
    const std::uint8_t* fired = postSpikes + b * S.out;
    stepRow(*post_, fired, postAge_.data() + b * S.out, post + b * S.stride, depression_.data() + b * S.stride, S.out);
    bool any = false;
    for (std::size_t o = 0; o < S.out; ++o) any = any || fired[o] != 0;
    if (any) writePre(pre, b, S.in, t);
  }
}

void AgedPairTraces::finish(const Synapses& S, float* pre, std::uint64_t t) const {
  for (std::size_t b = 0; b < S.batch; ++b) writePre(pre, b, S.in, t);
}

}  // namespace spiking
