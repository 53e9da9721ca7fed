// The one rule for splitting a step's work across the thread pool, used for
// the neurons of a layer (runner.cpp) and the outputs of a connection
// (connection_step.cpp). Items are independent within a step, so any split
// gives the same bits.
#pragma once

#include <algorithm>
#include <cstddef>

#include "thread_pool.hpp"

namespace spiking {

// Below this much work (neuron updates, or a connection's float operations)
// a job is not worth waking other threads for.
constexpr double kParallelWork = 1 << 17;
// Chunks are whole multiples of this many items, so every chunk but the last
// is whole vectors (no tail) at every vector width.
constexpr std::size_t kChunkItems = 64;

// Runs f(begin, end) over the items [0, count): in one call when the work is
// small, else in chunks across the pool, a few per thread to balance the load.
template <class F>
void splitRange(std::size_t count, double work, F&& f) {
  ThreadPool& pool = ThreadPool::instance();
  const std::size_t threads = pool.threads();
  if (threads == 1 || work < kParallelWork || count <= kChunkItems) return f(std::size_t(0), count);
  const std::size_t perThread = count / (threads * 4);
  const std::size_t size = std::max<std::size_t>(1, (perThread + kChunkItems - 1) / kChunkItems) * kChunkItems;
  auto chunk = [&](std::size_t c) { f(c * size, std::min(count, (c + 1) * size)); };
  pool.parallelFor((count + size - 1) / size, chunk);
}

}  // namespace spiking
