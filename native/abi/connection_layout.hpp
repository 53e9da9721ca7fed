// The connection slab: one JS-owned ArrayBuffer per Linear connection, a
// header of float64 slots followed by its arrays. This file is the one
// definition of its contract: the addon exports the slot numbers, modes and
// limits below (binding/layout.cpp) and lib/network/linear.ts lays the slab
// out with them. Native code borrows it for one call and re-validates every
// offset, as for the layer slab (layer_layout.hpp).
#pragma once

#include "layer_layout.hpp"

namespace spiking {

namespace connslot {
constexpr int kMagic = 0;     // kConnectionMagic
constexpr int kBatch = 1;     // samples in the batch
constexpr int kIn = 2;        // presynaptic neurons per sample
constexpr int kOut = 3;       // postsynaptic neurons per sample
constexpr int kStride = 4;    // floats per row of the input-major weights (out, padded)
constexpr int kRows = 5;      // rows of the spike ring: maxDelay + 1
constexpr int kHead = 6;      // ring row that this step's spikes are written to
constexpr int kDelay = 7;     // the delay of every synapse, when kDelays is -1
constexpr int kWeights = 8;   // byte offset: float32 [in][stride], weight (o, i) at [i][o]
constexpr int kDelays = 9;    // byte offset of float32 [in][stride] whole-step delays, or -1
constexpr int kRing = 10;     // byte offset: uint8 [rows][batch][in], spikes as sent
constexpr int kEvents = 11;   // byte offset: uint32 scratch of eventEntries() entries
constexpr int kCount = 12;
}  // namespace connslot

constexpr Named kConnectionSlots[] = {
    {"magic", connslot::kMagic},     {"batch", connslot::kBatch}, {"in", connslot::kIn},
    {"out", connslot::kOut},         {"stride", connslot::kStride}, {"rows", connslot::kRows},
    {"head", connslot::kHead},       {"delay", connslot::kDelay}, {"weights", connslot::kWeights},
    {"delays", connslot::kDelays},   {"ring", connslot::kRing},   {"events", connslot::kEvents},
    {"count", connslot::kCount},
};

constexpr double kConnectionMagic = 0x434f4e4e;  // "CONN"
constexpr int kConnectionHeaderBytes = connslot::kCount * 8;
// Largest delay in steps: bounds the spike ring (rows x batch x in bytes).
constexpr double kMaxDelaySteps = 65535.0;
// Arrivals a step can have over the batch: one per input and sample, or with
// per-synapse delays one per input, sample and lag (rows).
constexpr double eventCapacity(double batch, double in, double rows, bool perSynapse) {
  return batch * in * (perSynapse ? rows : 1.0);
}
// Entries of the uint32 event scratch: the index and the lag of each arrival,
// and where each sample's arrivals begin (batch + 1).
constexpr double eventEntries(double batch, double in, double rows, bool perSynapse) {
  return 2 * eventCapacity(batch, in, rows, perSynapse) + batch + 1;
}

// Rows of the input-major weights are padded to a multiple of this many
// floats (the widest vector), so whole vectors never read past a row.
constexpr int kConnectionPad = 16;
// Bytes of the slab the connection kernel may load beyond the weight (and
// delay) rows, on either side: its tiles start on the cache line before a
// row and a partial vector reads on to the vector's end (kernels/connection.hpp).
// The header (kConnectionHeaderBytes) covers the side before; decodeConnection
// checks the side after, which every slab lib/ makes has (its next array).
constexpr int kConnectionSlack = 64;

// What a Linear step writes (see kernels/connection.hpp).
enum class ConnectionMode : int { Current = 0, Products = 1, Difference = 2 };
constexpr Named kConnectionModes[] = {
    {"current", static_cast<int>(ConnectionMode::Current)},
    {"products", static_cast<int>(ConnectionMode::Products)},
    {"difference", static_cast<int>(ConnectionMode::Difference)},
};

}  // namespace spiking
