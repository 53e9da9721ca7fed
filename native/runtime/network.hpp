// What a network step runs besides its layers: the connections, and the
// spike counts of the stopping rule. Called by the N-API layer
// (binding/connections.cpp) with views it has checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../abi/connection_view.hpp"

namespace spiking {

// One step of a connection: writes this step's presynaptic spikes `pre`
// ([batch][in]) into the ring row c.head, lists the arrivals (Current mode),
// runs the active kernel over the outputs, split across the pool when the
// step is large, and returns the ring row the next step writes to.
std::size_t stepConnection(const Connection& c, const std::uint8_t* pre);

// The active kernel over all of c's outputs (arrivals already listed), split
// across the pool when `work` (float operations) is large; nothing when 0.
void runConnectionKernel(const Connection& c, double work);

// 0x80 in each nonzero byte of an 8-byte word, 0 in the others, without a
// branch: the low seven bits carried into the top one, or the top bit itself.
// Spike rows are scanned eight bytes at a time with it (countSpikes, and
// blocks.hpp's listSpikes).
inline std::uint64_t nonzeroBytes(std::uint64_t word) {
  constexpr std::uint64_t kLow7 = 0x7f7f7f7f7f7f7f7full, kHigh = 0x8080808080808080ull;
  return (((word & kLow7) + kLow7) | word) & kHigh;
}

// Whether the 32 bytes at p are all zero: four words ORed, one branch. The
// spike scans skip silent stretches with it, 32 inputs at a time.
inline bool zero32(const std::uint8_t* p) {
  std::uint64_t w[4];
  std::memcpy(w, p, sizeof w);
  return (w[0] | w[1] | w[2] | w[3]) == 0;
}

// counts[b] += the spikes in row b of spikes [batch][n].
void countSpikes(const std::uint8_t* spikes, std::size_t n, double* counts, std::size_t batch);

// counts[i] += 1 for each nonzero spikes[i], i < n (wrapping at 2^32).
void addSpikeCounts(const std::uint8_t* spikes, std::size_t n, std::uint32_t* counts);

}  // namespace spiking
