// What a kernel sees: plain pointers into JS memory, valid for one call.
// Built and checked by the N-API layer (binding/checks.cpp); kernels trust it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "layer_layout.hpp"

namespace spiking {

// A parameter that is either one value for every neuron (ptr == nullptr)
// or one value per neuron.
struct Param {
  const float* ptr = nullptr;
  float value = 0.0f;
};

struct Layer {
  Model model = Model::LIF;
  Update update = Update::Linear;
  std::size_t n = 0;
  float dt = 1.0f;
  float vRest = 0.0f;
  float refracSteps = 0.0f;  // D; 0 disables the refractory stage entirely
  float* v = nullptr;
  float* trace = nullptr;
  float* refracCounts = nullptr;
  float* refracLeft = nullptr;
  float* thresh = nullptr;
  float* theta = nullptr;  // models with theta only
  std::uint8_t* spikes = nullptr;
  Param params[kParamCount];
  // Optional copies of the state after the step (run()'s `record`), indexed
  // by RecordId, each indexed like the state; nullptr when not recorded.
  float* records[kRecordCount] = {};
  // run() leaves refracCounts (a function of refracLeft) to its last step.
  bool deferRefracCounts = false;

  const Param& param(ParamId id) const { return params[static_cast<int>(id)]; }
  float* record(RecordId r) const { return records[static_cast<int>(r)]; }
};

// One block of the input: `width` values per neuron, layout (n, width).
struct Segment {
  const float* data = nullptr;
  std::size_t width = 0;
};

// The input of one step. IF/LIF/AdaptiveLIF fold x (the segments, summed
// left to right per neuron); Fede folds x - preTrace element by element;
// Input reads x as is, as float32 or as bytes.
struct Drive {
  const Segment* x = nullptr;
  const Segment* preTrace = nullptr;  // Fede only, same widths as x
  std::size_t segments = 0;
  const std::uint8_t* bytes = nullptr;  // Input fed a Uint8Array
  // run(): how far ahead (in elements) the next step's x starts, so the
  // kernel can ask for it while this step computes; 0 for none.
  std::size_t prefetch = 0;
};

}  // namespace spiking
