// The one rule for splitting a step's work across the thread pool, used for
// the neurons of a layer (runner.cpp), the outputs of a connection
// (network.cpp), the samples of an encoder (plan.cpp) or of a layer's chunk
// of steps (blocks.cpp) and the learning
// kernels (learning_steps.cpp). Items are independent within a step, so any
// split gives the same bits.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <utility>

#include "thread_pool.hpp"
#include "../abi/connection_view.hpp"

namespace spiking {

// Below this much work (float operations) a learning kernel (learning_steps.cpp)
// or the traffic floor is not worth waking other threads for.
constexpr double kParallelWork = 1 << 17;
// The thresholds of a step's stages, each about 90-300 us of one core on
// the 2-core AVX-512 machine of docs/performance.md: a layer's neuron
// updates (~0.17 ns each), an encoder's draws (~0.56 ns), a connection's
// float adds (~0.075 ns, 13-14 G/s). They were set when a fork/join of the
// pool cost a futex wake and a reschedule of the worker; it now costs about
// 1 us while a run is going (thread_pool.hpp; bench:network's fork/join
// table), yet lowering each of them 4 to 64 times gained nothing at 250,
// 1,000 and 2,500 neurons (within the noise) and the adds' lost 7% at 250
// (2026-12-04, load 3-4): what a split stage costs is no longer the fork/join
// but its results landing in the other core's cache, to be read back by
// the next stage on the caller (at 250 neurons, batch 32, a 16-step block's
// connection, 3.2 M adds, ~100 us, ran slower on two threads than on one).
// So they stay, and small layers split by samples instead (below).
constexpr double kParallelNeurons = 1 << 19;
constexpr double kParallelDraws = 1 << 18;
constexpr double kParallelAdds = 1 << 22;
// The blocked engine's split of a layer's chunk of steps by samples
// (blocks.cpp, splitChunk): one fork/join for a whole chunk, each thread
// taking its own samples through every stage, so nothing crosses between
// cores. Work: neuron updates (twice for an input layer, whose encoder draws
// too) plus presynaptic bytes listed, each ~0.3-0.6 ns. Measured with batch
// 32, 16-step blocks, two threads against one (bench:network's network,
// 2026-12-04): 1.2x at 32 neurons (32 K of work per chunk), 1.6x at 250;
// at 16 neurons (16 K) two threads lost 7-12%.
constexpr double kParallelLayerBlock = 1 << 15;
// A thread of that split reads every weight row its samples' spikes select,
// each step: only worth it while a connection's weights stay in a core's L2
// (2 MB here; half of it). Larger ones split by outputs: at 1,000 neurons
// (4 MB of weights) the sample split ran at 5.5 k steps/s, the output split
// at 6.6-6.9 k.
constexpr double kSampleSplitWeightBytes = 1 << 20;
// Whether a thread of a split by samples may read every weight row its
// samples' spikes select (the weights fit kSampleSplitWeightBytes).
inline bool sampleSplitFits(const Connection& link) { return link.weightBytes() <= kSampleSplitWeightBytes; }

// Part i of `count` items (samples, columns) split in `parts`: the items
// [partStart(count, i, parts), partStart(count, i + 1, parts)), as even as it goes.
inline std::size_t partStart(std::size_t count, std::size_t i, std::size_t parts) { return count * i / parts; }

// Words of arrival lists (Connection::eventWords) that any one part of
// link's batch (`batch` samples) split in `parts` needs: its widest part's,
// ceil(batch / parts) samples. Sized before the split: a task allocates nothing.
inline std::size_t partEventWords(Connection link, std::size_t batch, std::size_t parts) {
  link.batch = (batch + parts - 1) / parts;
  return link.eventWords();
}

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
