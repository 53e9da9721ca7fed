#include "runner.hpp"

#include <algorithm>
#include <cstring>

#include "dispatch.hpp"
#include "split.hpp"
#include "thread_pool.hpp"

namespace spiking {
namespace {

// Neurons per block: their state (a few float32 arrays) stays in L2 across
// the steps of a run. A multiple of every vector width, so only the layer's
// last block has a tail.
constexpr std::size_t kBlock = 16384;

}  // namespace

void stepLayerParallel(const Layer& layer, const Drive& drive) {
  const StepFn step = activeInstructionSet().step;
  splitRange(layer.n, static_cast<double>(layer.n), kParallelNeurons,
             [&](std::size_t begin, std::size_t end) { step(layer, drive, begin, end); });
}

void streamLayerParallel(const Layer& layer, const float* x) {
  const StreamFn stream = activeInstructionSet().stream;
  splitRange(layer.n, static_cast<double>(layer.n), kParallelNeurons,
             [&](std::size_t begin, std::size_t end) { stream(layer, x, begin, end); });
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
      for (int r = 0; r < kRecordCount; ++r) at.records[r] = plan.records[r] ? plan.records[r] + row : nullptr;
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

  const std::size_t blocks = (n + kBlock - 1) / kBlock;
  ThreadPool& pool = ThreadPool::instance();
  if (blocks == 1 || !splits(pool.threads(), static_cast<double>(n) * static_cast<double>(plan.steps), kParallelNeurons)) {
    for (std::size_t b = 0; b < blocks; ++b) block(b);
  } else {
    pool.parallelFor(blocks, block);
  }
}

}  // namespace spiking
