// Stepping a layer for one step or many, on the active instruction set and
// across the thread pool. Neurons are independent within a step, so any
// split across threads gives the same bits.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../abi/layer_view.hpp"

namespace spiking {

// Many steps of input and output, time-major: step t of x starts at
// t * n * width, of every output at t * n.
struct RunPlan {
  std::size_t steps = 0;
  const float* x = nullptr;  // steps x n x width
  std::size_t width = 1;
  const float* preTrace = nullptr;      // Fede: the layout of x
  const std::uint8_t* bytes = nullptr;  // Input fed bytes: steps x n
  std::uint8_t* spikes = nullptr;       // steps x n
  float* records[kRecordCount] = {};    // by RecordId: steps x n each, optional
};

// One step of the whole layer; large layers are split across the pool.
void stepLayerParallel(const Layer& layer, const Drive& drive);

// streamLayer on the active instruction set, split like stepLayerParallel.
void streamLayerParallel(const Layer& layer, const float* x);

// plan.steps steps, bit-identical to as many single steps. Temporal blocking:
// each block of neurons small enough to stay in cache goes through every
// step before the next block starts, so the state crosses memory once per
// call. Leaves the last step's spikes in layer.spikes.
void runLayer(const Layer& layer, const RunPlan& plan);

}  // namespace spiking
