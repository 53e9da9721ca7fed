#include "aged_trace.hpp"

#include <cstring>

namespace spiking {
namespace {

// Ages up by one, held at `last`; 0 where a spike came; the trace from the table.
void stepRow(const DecayTable& table, const std::uint8_t* spikes, std::uint16_t* age, float* x, std::size_t n) {
  const std::uint16_t last = table.last();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint16_t a = spikes[i] ? 0 : (age[i] < last ? static_cast<std::uint16_t>(age[i] + 1) : age[i]);
    age[i] = a;
    x[i] = table.at(a);
  }
}

bool agesOf(const DecayTable& table, const float* x, std::uint16_t* age, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (!table.ageOf(x[i], age[i])) return false;
  }
  return true;
}

}  // namespace

bool DecayTable::build(float decay) {
  values_.clear();
  if (!(decay >= 0.0f && decay <= 1.0f)) return false;
  values_.push_back(1.0f);
  while (values_.size() < kMaxEntries) {
    const float next = values_.back() * decay;
    if (next == values_.back()) {
      last_ = static_cast<std::uint16_t>(values_.size() - 1);
      if (values_.back() != 0.0f) values_.push_back(0.0f);  // a trace that never fired
      return true;
    }
    values_.push_back(next);
  }
  values_.clear();
  return false;
}

bool DecayTable::ageOf(float x, std::uint16_t& age) const {
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

bool AgedPairTraces::start(const Synapses& S, float decayPre, float decayPost, const float* pre, const float* post) {
  if (!pre_.build(decayPre) || !post_.build(decayPost)) return false;
  preAge_.resize(S.batch * S.in);
  postAge_.resize(S.batch * S.out);
  if (!agesOf(pre_, pre, preAge_.data(), S.batch * S.in)) return false;
  for (std::size_t b = 0; b < S.batch; ++b) {
    if (!agesOf(post_, post + b * S.stride, postAge_.data() + b * S.out, S.out)) return false;
  }
  return true;
}

void AgedPairTraces::step(const Synapses& S, const std::uint8_t* postSpikes, float* pre, float* post) {
  for (std::size_t b = 0; b < S.batch; ++b) {
    stepRow(pre_, S.sent(S.delay, b), preAge_.data() + b * S.in, pre + b * S.in, S.in);
    stepRow(post_, postSpikes + b * S.out, postAge_.data() + b * S.out, post + b * S.stride, S.out);
  }
}

}  // namespace spiking
