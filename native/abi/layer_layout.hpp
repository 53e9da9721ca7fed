// The layer slab: one JS-owned ArrayBuffer per layer holding a header of
// float64 slots followed by every state and per-neuron parameter array.
// This file is the one definition of its contract: the slot numbers, the
// models and what each has and accepts, the update types, the parameter
// order, the record order and the limits. The addon exports every table
// below (binding/layout.cpp) and lib/ reads them at load (lib/binding.ts);
// native code only borrows a slab for one call and re-validates every
// offset and value, because JS can write anything into it.
#pragma once

#include <cstdint>

namespace spiking {

// A name and a number, as the addon exports them to JS ({ name: value }).
struct Named {
  const char* name;
  int value;
};

enum class Update : int { Linear = 0, Exponential = 1 };
constexpr int kUpdateCount = 2;
constexpr const char* kUpdateNames[kUpdateCount] = {"linear", "exponential"};
constexpr std::uint32_t kAnyUpdate = (1u << kUpdateCount) - 1;
constexpr std::uint32_t updateBit(Update u) { return 1u << static_cast<int>(u); }

enum class Model : int { Input = 0, IF = 1, LIF = 2, AdaptiveLIF = 3, Fede = 4, AdaptiveThresholdLIF = 5 };
constexpr int kModelCount = 6;

// What each model has and accepts, indexed by Model. The N-API checks refuse
// a slab that disagrees (no silent override); lib/ builds slabs from it.
struct ModelTraits {
  const char* name;        // the lib/ class that runs it
  bool neuronState;        // vCell, thresh and a refractory stage; without: trace and spikes only
  std::uint32_t updates;   // the update types it takes, as updateBit()s
  bool folds;              // x is k values per neuron, summed (a list of arrays joins along k);
                           // without: one value per neuron, a Float32Array or a Uint8Array
  bool preTrace;           // folds x - preTrace, element by element (PySNN's FedeNeuron)
  bool theta;              // an adaptive offset theta on top of thresh (Diehl & Cook's neuron)
};
constexpr ModelTraits kModelTraits[kModelCount] = {
    {"Input", false, kAnyUpdate, false, false, false},
    {"IFNeuron", true, kAnyUpdate, true, false, false},
    {"LIFNeuron", true, kAnyUpdate, true, false, false},
    {"AdaptiveLIFNeuron", true, kAnyUpdate, true, false, false},
    {"FedeNeuron", true, updateBit(Update::Exponential), true, true, false},  // PySNN's Fede: exponential only
    {"AdaptiveThresholdLIFNeuron", true, kAnyUpdate, true, false, true},
};
constexpr const ModelTraits& traits(Model m) { return kModelTraits[static_cast<int>(m)]; }

// Per-neuron-or-scalar parameters, in slot order.
enum class ParamId : int { AlphaV = 0, AlphaT, TauV, TauT, AlphaThresh, TauThresh, ThetaPlus, TauTheta, Count };
constexpr int kParamCount = static_cast<int>(ParamId::Count);
constexpr const char* kParamNames[kParamCount] = {"alphaV",      "alphaT",    "tauV",      "tauT",
                                                  "alphaThresh", "tauThresh", "thetaPlus", "tauTheta"};

// The state run() can record after every step, in the order run() takes the
// outputs and runAsync's record mask numbers them.
enum class RecordId : int { V = 0, Trace, RefracCounts, Thresh, Theta };
constexpr int kRecordCount = 5;
struct RecordTraits {
  const char* name;
  bool neuronState;  // exists only for models with neuronState
  bool theta;        // exists only for models with theta
};
constexpr RecordTraits kRecordTraits[kRecordCount] = {
    {"vCell", true, false}, {"trace", false, false}, {"refracCounts", true, false},
    {"thresh", true, false}, {"theta", true, true}};
// The records a model has, as bits of the record mask.
constexpr std::uint32_t recordMask(Model m) {
  std::uint32_t mask = 0;
  for (int r = 0; r < kRecordCount; ++r) {
    if ((!kRecordTraits[r].neuronState || traits(m).neuronState) && (!kRecordTraits[r].theta || traits(m).theta)) {
      mask |= 1u << r;
    }
  }
  return mask;
}

namespace slot {
constexpr int kMagic = 0;        // kSlabMagic, to reject foreign buffers
constexpr int kModel = 1;        // Model
constexpr int kUpdate = 2;       // Update
constexpr int kCells = 3;        // n, the number of neurons
constexpr int kDt = 4;           // float32 dt
constexpr int kVRest = 5;        // float32 vRest
constexpr int kRefracSteps = 6;  // D = durationRefrac / dt, whole steps (0 without neuronState)
// Byte offsets of the state arrays (n elements each).
constexpr int kV = 7;
constexpr int kTrace = 8;
constexpr int kRefracCounts = 9;  // float32, PySNN units: left * dt
constexpr int kRefracLeft = 10;   // float32 whole steps left (exact up to 2^24)
constexpr int kThresh = 11;
constexpr int kSpikes = 12;  // uint8 0/1
constexpr int kTheta = 13;   // the adaptive offset; models with theta only (-1 for the others)
// Parameter p: value at kParams + 2p, byte offset of its per-neuron array
// at kParams + 2p + 1 (-1 when the value is a scalar broadcast to all).
constexpr int kParams = 14;
constexpr int kCount = kParams + 2 * kParamCount;
}  // namespace slot

// The slots by the names lib/ uses (lib/layers/slab.ts).
constexpr Named kSlots[] = {
    {"magic", slot::kMagic},   {"model", slot::kModel},
    {"update", slot::kUpdate}, {"cells", slot::kCells},
    {"dt", slot::kDt},         {"vRest", slot::kVRest},
    {"refracSteps", slot::kRefracSteps},
    {"vCell", slot::kV},       {"trace", slot::kTrace},
    {"refracCounts", slot::kRefracCounts},
    {"refracLeft", slot::kRefracLeft},
    {"thresh", slot::kThresh}, {"spikes", slot::kSpikes},
    {"theta", slot::kTheta},
    {"params", slot::kParams}, {"count", slot::kCount},
};

constexpr double kSlabMagic = 0x5350494b;  // "SPIK"
// Bumped whenever lib/ and the addon must change together; lib/binding.ts
// refuses an addon built from other sources (a stale build/ directory).
constexpr int kAddonApi = 8;
constexpr int kHeaderBytes = slot::kCount * 8;
// Largest whole-step refractory period: counts stay exact in float32.
constexpr double kMaxRefracSteps = 16777216.0;

}  // namespace spiking
