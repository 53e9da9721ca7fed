// The layer slab: one JS-owned ArrayBuffer per layer holding a header of
// float64 slots followed by every state and per-neuron parameter array.
// JS builds it (lib/slab.ts reads these slot numbers from the addon, so this
// file is the single definition); native code only borrows it for one call
// and re-validates every offset, because JS can write anything into it.
#pragma once

#include <cstdint>

namespace spiking {

enum class Model : int { Input = 0, IF = 1, LIF = 2, AdaptiveLIF = 3, Fede = 4 };
enum class Update : int { Linear = 0, Exponential = 1 };

// Per-neuron-or-scalar parameters, in slot order.
enum class ParamId : int { AlphaV = 0, AlphaT, TauV, TauT, AlphaThresh, TauThresh, Count };

namespace slot {
constexpr int kMagic = 0;        // kSlabMagic, to reject foreign buffers
constexpr int kModel = 1;        // Model
constexpr int kUpdate = 2;       // Update
constexpr int kCells = 3;        // n, the number of neurons
constexpr int kDt = 4;           // float32 dt
constexpr int kVRest = 5;        // float32 vRest
constexpr int kRefracSteps = 6;  // D = durationRefrac / dt, whole steps
// Byte offsets of the state arrays (n elements each).
constexpr int kV = 7;
constexpr int kTrace = 8;
constexpr int kRefracCounts = 9;  // float32, PySNN units: left * dt
constexpr int kRefracLeft = 10;   // float32 whole steps left (exact up to 2^24)
constexpr int kThresh = 11;
constexpr int kSpikes = 12;  // uint8 0/1
// Parameter p: value at kParams + 2p, byte offset of its per-neuron array
// at kParams + 2p + 1 (-1 when the value is a scalar broadcast to all).
constexpr int kParams = 13;
constexpr int kCount = kParams + 2 * static_cast<int>(ParamId::Count);
}  // namespace slot

constexpr double kSlabMagic = 0x5350494b;  // "SPIK"
// Bumped whenever lib/ and the addon must change together; lib/native.ts
// refuses an addon built from other sources (a stale build/ directory).
constexpr int kAddonApi = 2;
constexpr int kHeaderBytes = slot::kCount * 8;
// Largest whole-step refractory period: counts stay exact in float32.
constexpr double kMaxRefracSteps = 16777216.0;

}  // namespace spiking
