// The one rule for splitting a step's work across the thread pool, used for
// the neurons of a layer (runner.cpp), the outputs of a connection
// (network.cpp), the samples of an encoder (plan.cpp) and the learning
// kernels (learning_steps.cpp). Items are independent within a step, so any
// split gives the same bits.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <utility>

#include "thread_pool.hpp"

namespace spiking {

// Below this much work (float operations) a learning kernel (learning_steps.cpp)
// or the traffic floor is not worth waking other threads for.
constexpr double kParallelWork = 1 << 17;
// The thresholds of a step's stages, each about 90-300 us of one core on
// the 2-core AVX-512 machine of docs/performance.md, where a fork/join of
// the pool costs tens of microseconds (a futex wake and a reschedule of the
// worker, far more when the other core is busy): a layer's neuron updates
// (~0.17 ns each), an encoder's draws (~0.56 ns), a connection's float adds
// (~0.075 ns, 13-14 G/s). The adds' threshold is the highest: at 250
// neurons, batch 32, a 16-step block's connection (3.2 M adds, ~250 us)
// still ran slower on two threads than on one, as the worker's currents
// then cross to the caller's cache for the layer's step.
constexpr double kParallelNeurons = 1 << 19;
constexpr double kParallelDraws = 1 << 18;
constexpr double kParallelAdds = 1 << 22;
// Chunks are whole multiples of this many items, so every chunk but the last
// is whole vectors (no tail) at every vector width.
constexpr std::size_t kChunkItems = 64;

// Whether a stage is split: by its work against its threshold (Auto, the
// default), or forced one way for every stage (tests and benchmarks compare
// the bits and the speed of both). Process-wide.
enum class Splitting : int { Auto = 0, Always = 1, Never = 2 };
inline std::atomic<int> splittingMode{static_cast<int>(Splitting::Auto)};
inline void forceSplitting(Splitting mode) { splittingMode.store(static_cast<int>(mode), std::memory_order_relaxed); }
inline Splitting splitting() { return static_cast<Splitting>(splittingMode.load(std::memory_order_relaxed)); }
// The modes' names, in the enum's order (the addon exports them).
constexpr const char* kSplittingNames[] = {"auto", "always", "never"};

// Whether a stage of `work` goes across `threads` threads (> 1 items to share).
inline bool splits(std::size_t threads, double work, double threshold) {
  if (threads == 1) return false;
  switch (splitting()) {
    case Splitting::Always: return true;
    case Splitting::Never: return false;
    default: return work >= threshold;
  }
}

// Runs f(begin, end) over the items [0, count): in one call when the work is
// small, else in chunks across the pool, a few per thread to balance the load.
template <class F>
void splitRange(std::size_t count, double work, double threshold, F&& f) {
  ThreadPool& pool = ThreadPool::instance();
  const std::size_t threads = pool.threads();
  if (count <= kChunkItems || !splits(threads, work, threshold)) return f(std::size_t(0), count);
  const std::size_t perThread = count / (threads * 4);
  const std::size_t size = std::max<std::size_t>(1, (perThread + kChunkItems - 1) / kChunkItems) * kChunkItems;
  auto chunk = [&](std::size_t c) { f(c * size, std::min(count, (c + 1) * size)); };
  pool.parallelFor((count + size - 1) / size, chunk);
}

template <class F>
void splitRange(std::size_t count, double work, F&& f) {
  splitRange(count, work, kParallelWork, std::forward<F>(f));
}

}  // namespace spiking
