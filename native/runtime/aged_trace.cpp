#include "aged_trace.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>

namespace spiking {
namespace {

std::uint32_t bitsOf(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

constexpr std::int64_t kNeverFired = INT64_MIN;

// The steps of the last spikes of n traces x, one step before `first`;
// false when a value is not in the table.
bool spikeStepsOf(const DecayTable& table, const float* x, std::size_t n, std::uint64_t first, std::int64_t* spike) {
  const std::int64_t before = static_cast<std::int64_t>(first) - 1;  // the age is counted from here
  for (std::size_t i = 0; i < n; ++i) {
    std::uint16_t age = 0;
    if (!table.ageOf(x[i], age)) return false;
    spike[i] = age > table.last() ? kNeverFired : before - age;
  }
  return true;
}

// The table entry of a trace whose last spike was at `spike`, at step `now`:
// held at the fixed point from `last` on; +0 (the entry after it) if it never fired.
inline std::uint16_t ageAt(std::int64_t spike, std::int64_t now, std::int64_t last) {
  return static_cast<std::uint16_t>(spike == kNeverFired ? last + 1 : std::min(now - spike, last));
}

// The n traces at step t, from the table (scaled: its products).
void writeRow(const DecayTable& table, const std::int64_t* spike, std::size_t n, std::uint64_t t, bool scaled, float* x) {
  const std::int64_t now = static_cast<std::int64_t>(t), last = table.last();
  if (scaled) {
    for (std::size_t i = 0; i < n; ++i) x[i] = table.scaled(ageAt(spike[i], now, last));
  } else {
    for (std::size_t i = 0; i < n; ++i) x[i] = table.at(ageAt(spike[i], now, last));
  }
}

// Whether any of the n bytes is nonzero, eight at a time.
bool anyNonzero(const std::uint8_t* bytes, std::size_t n) {
  std::uint64_t any = 0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes + i, 8);
    any |= word;
  }
  for (; i < n; ++i) any |= bytes[i];
  return any != 0;
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

namespace {

// The traces and ages the last calls ended with (AgedPairTraces::finish),
// a few of them, process-wide: the next call on the same traces takes the
// ages over when the values are still exactly those (nobody changed them).
struct Ended {
  const float* pre = nullptr;
  const float* post = nullptr;
  std::uint32_t key[3] = {0, 0, 0};
  std::size_t batch = 0, in = 0, out = 0, stride = 0;
  std::uint64_t next = 0;          // the step after the call's last
  std::vector<float> preValues;    // [batch][in], as finish wrote them
  std::vector<float> postValues;   // [batch][out]
  std::vector<std::int64_t> preSpike, postSpike;
};

std::mutex endedLock;
std::vector<Ended>& ended() {
  static std::vector<Ended> list;
  return list;
}
constexpr std::size_t kEndedKept = 8;

bool samePost(const Ended& e, const float* post) {
  for (std::size_t b = 0; b < e.batch; ++b) {
    if (std::memcmp(post + b * e.stride, e.postValues.data() + b * e.out, e.out * sizeof(float)) != 0) return false;
  }
  return true;
}

// Takes over the ages of the call that ended on these traces, shifted to
// start at `first`, when the values are still the ones it wrote.
bool resume(const std::uint32_t key[3], const Synapses& S, const float* pre, const float* post, std::uint64_t first,
            std::vector<std::int64_t>& preSpike, std::vector<std::int64_t>& postSpike) {
  std::lock_guard<std::mutex> hold(endedLock);
  for (const Ended& e : ended()) {
    if (e.pre != pre || e.post != post || std::memcmp(e.key, key, sizeof e.key) != 0 || e.batch != S.batch ||
        e.in != S.in || e.out != S.out || e.stride != S.stride) {
      continue;
    }
    if (std::memcmp(pre, e.preValues.data(), e.preValues.size() * sizeof(float)) != 0 || !samePost(e, post)) return false;
    // The same ages: t - spike is kept, with t counted from `first` on.
    const std::int64_t shift = static_cast<std::int64_t>(first) - static_cast<std::int64_t>(e.next);
    auto shifted = [shift](const std::vector<std::int64_t>& from, std::vector<std::int64_t>& to) {
      for (std::size_t k = 0; k < from.size(); ++k) to[k] = from[k] == kNeverFired ? kNeverFired : from[k] + shift;
    };
    shifted(e.preSpike, preSpike);
    shifted(e.postSpike, postSpike);
    return true;
  }
  return false;
}

}  // namespace

bool AgedPairTraces::start(const Synapses& S, float decayPre, float decayPost, float aMinus, const float* pre,
                           const float* post, std::uint64_t first) {
  static_assert(kNever == kNeverFired, "one marker for a trace that never fired");
  pre_ = DecayTable::of(decayPre, 1.0f);
  post_ = DecayTable::of(decayPost, aMinus);
  if (!pre_ || !post_) return false;
  preSpike_.resize(S.batch * S.in);
  postSpike_.resize(S.batch * S.out);
  depression_.assign(S.batch * S.stride, 0.0f);
  ready_.assign(S.batch, 0);
  isMoving_.assign(S.batch * S.out, 0);
  moving_.resize(S.batch * S.out);
  movingCount_.assign(S.batch, 0);
  key_[0] = bitsOf(decayPre);
  key_[1] = bitsOf(decayPost);
  key_[2] = bitsOf(aMinus);
  if (resume(key_, S, pre, post, first, preSpike_, postSpike_)) return true;
  if (!spikeStepsOf(*pre_, pre, S.batch * S.in, first, preSpike_.data())) return false;
  for (std::size_t b = 0; b < S.batch; ++b) {
    if (!spikeStepsOf(*post_, post + b * S.stride, S.out, first, postSpike_.data() + b * S.out)) return false;
  }
  return true;
}

void AgedPairTraces::step(const Synapses& S, const std::uint32_t* arrivals, const std::uint32_t* starts,
                          const std::uint8_t* postSpikes, float* pre, std::uint64_t t) {
  for (std::size_t b = 0; b < S.batch; ++b) {
    std::int64_t* spike = preSpike_.data() + b * S.in;
    for (std::uint32_t e = starts[b]; e < starts[b + 1]; ++e) spike[arrivals[e]] = static_cast<std::int64_t>(t);
    const std::uint8_t* fired = postSpikes + b * S.out;
    std::int64_t* post = postSpike_.data() + b * S.out;
    const bool any = anyNonzero(fired, S.out);
    if (any) {
      std::uint8_t* flagged = isMoving_.data() + b * S.out;
      std::uint32_t* moving = moving_.data() + b * S.out;
      for (std::size_t o = 0; o < S.out; ++o) {
        if (!fired[o]) continue;
        post[o] = static_cast<std::int64_t>(t);
        if (ready_[b] && !flagged[o]) {
          flagged[o] = 1;
          moving[movingCount_[b]++] = static_cast<std::uint32_t>(o);
        }
      }
    }
    if (starts[b + 1] > starts[b]) writeDepression(S, b, t);
    if (any) writeRow(*pre_, spike, S.in, t, false, pre + b * S.in);
  }
}

void AgedPairTraces::writeDepression(const Synapses& S, std::size_t b, std::uint64_t t) {
  const std::int64_t* spike = postSpike_.data() + b * S.out;
  float* row = depression_.data() + b * S.stride;
  std::uint8_t* flagged = isMoving_.data() + b * S.out;
  std::uint32_t* moving = moving_.data() + b * S.out;
  const std::int64_t now = static_cast<std::int64_t>(t), last = post_->last();
  if (!ready_[b]) {
    writeRow(*post_, spike, S.out, t, true, row);
    std::uint32_t count = 0;
    for (std::size_t o = 0; o < S.out; ++o) {
      flagged[o] = spike[o] != kNeverFired && now - spike[o] < last;
      if (flagged[o]) moving[count++] = static_cast<std::uint32_t>(o);
    }
    movingCount_[b] = count;
    ready_[b] = 1;
    return;
  }
  std::uint32_t kept = 0;
  for (std::uint32_t k = 0, count = movingCount_[b]; k < count; ++k) {
    const std::uint32_t o = moving[k];
    const std::int64_t age = std::min(now - spike[o], last);  // a moving trace has fired
    row[o] = post_->scaled(static_cast<std::uint16_t>(age));
    if (age < last) {
      moving[kept++] = o;
    } else {
      flagged[o] = 0;  // at the fixed point from now on: its value stays
    }
  }
  movingCount_[b] = kept;
}

void AgedPairTraces::finish(const Synapses& S, float* pre, float* post, std::uint64_t t) {
  Ended e;
  e.pre = pre;
  e.post = post;
  std::memcpy(e.key, key_, sizeof e.key);
  e.batch = S.batch;
  e.in = S.in;
  e.out = S.out;
  e.stride = S.stride;
  e.next = t + 1;
  e.preValues.resize(S.batch * S.in);
  e.postValues.resize(S.batch * S.out);
  for (std::size_t b = 0; b < S.batch; ++b) {
    writeRow(*pre_, preSpike_.data() + b * S.in, S.in, t, false, pre + b * S.in);
    writeRow(*post_, postSpike_.data() + b * S.out, S.out, t, false, post + b * S.stride);
    std::memcpy(e.postValues.data() + b * S.out, post + b * S.stride, S.out * sizeof(float));
  }
  std::memcpy(e.preValues.data(), pre, S.batch * S.in * sizeof(float));
  e.preSpike = preSpike_;
  e.postSpike = postSpike_;
  std::lock_guard<std::mutex> hold(endedLock);
  std::vector<Ended>& list = ended();
  for (std::size_t k = 0; k < list.size(); ++k) {
    if (list[k].pre == pre && list[k].post == post) {
      list.erase(list.begin() + static_cast<std::ptrdiff_t>(k));
      break;
    }
  }
  if (list.size() == kEndedKept) list.erase(list.begin());
  list.push_back(std::move(e));
}

}  // namespace spiking
