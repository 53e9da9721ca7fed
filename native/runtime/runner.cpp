#include "runner.hpp"
#ifndef SPIKING_BLOCK
#define SPIKING_BLOCK 16384
#endif

#include <algorithm>
#include <cstring>

#include "dispatch.hpp"
#include "thread_pool.hpp"

namespace spiking {
namespace {

// Neurons per block: their state (a few float32 arrays) stays in L2 across
// the steps of a run. A multiple of every vector width, so only the layer's
// last block has a tail.
constexpr std::size_t kBlock = SPIKING_BLOCK;
// Below this many neuron-steps a job is not worth waking other threads for.
constexpr std::size_t kParallelWork = std::size_t(1) << 17;

std::size_t blocksOf(std::size_t n, std::size_t block) { return (n + block - 1) / block; }

// Runs f(begin, end) over [0, n), split across the pool when n is large. A
// few chunks per thread balance the load; 64-neuron alignment keeps every
// chunk but the last free of a tail.
template <class F>
void splitNeurons(std::size_t n, F&& f) {
  ThreadPool& pool = ThreadPool::instance();
  const std::size_t threads = pool.threads();
  if (threads == 1 || n < kParallelWork) return f(std::size_t(0), n);
  const std::size_t size = (n / (threads * 4) + 63) / 64 * 64;
  auto chunk = [&](std::size_t c) { f(c * size, std::min(n, (c + 1) * size)); };
  pool.parallelFor(blocksOf(n, size), chunk);
}

}  // namespace

void stepLayerParallel(const Layer& layer, const Drive& drive) {
  const StepFn step = activeInstructionSet().step;
  splitNeurons(layer.n, [&](std::size_t begin, std::size_t end) { step(layer, drive, begin, end); });
}

void streamLayerParallel(const Layer& layer, const float* x) {
  const StreamFn stream = activeInstructionSet().stream;
  splitNeurons(layer.n, [&](std::size_t begin, std::size_t end) { stream(layer, x, begin, end); });
}

void runLayer(const Layer& layer, const RunPlan& plan) {
  if (plan.steps == 0) return;
  const StepFn step = activeInstructionSet().step;
  const std::size_t n = layer.n;

  auto block = [&](std::size_t b) {
    const std::size_t begin = b * kBlock, end = std::min(n, begin + kBlock);
    Layer at = layer;
    Segment x, preTrace;
    Drive drive;
    drive.segments = 1;
    drive.x = &x;
    drive.preTrace = plan.preTrace ? &preTrace : nullptr;
    for (std::size_t t = 0; t < plan.steps; ++t) {
      const std::size_t row = t * n;
      at.spikes = plan.spikes + row;
      at.recordV = plan.recordV ? plan.recordV + row : nullptr;
      at.recordTrace = plan.recordTrace ? plan.recordTrace + row : nullptr;
      at.recordRefracCounts = plan.recordRefracCounts ? plan.recordRefracCounts + row : nullptr;
      at.recordThresh = plan.recordThresh ? plan.recordThresh + row : nullptr;
      at.deferRefracCounts = t + 1 < plan.steps;
      if (plan.bytes) {
        drive.bytes = plan.bytes + row;
      } else {
        x = Segment{plan.x + row * plan.width, plan.width};
        if (plan.preTrace) preTrace = Segment{plan.preTrace + row * plan.width, plan.width};
        drive.prefetch = t + 1 < plan.steps ? n * plan.width : 0;
      }
      step(at, drive, begin, end);
    }
    std::memcpy(layer.spikes + begin, plan.spikes + (plan.steps - 1) * n + begin, end - begin);
  };

  const std::size_t blocks = blocksOf(n, kBlock);
  if (n * plan.steps < kParallelWork || blocks == 1) {
    for (std::size_t b = 0; b < blocks; ++b) block(b);
  } else {
    ThreadPool::instance().parallelFor(blocks, block);
  }
}

}  // namespace spiking
