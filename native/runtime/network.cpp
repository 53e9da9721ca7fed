#include "network.hpp"

#include <algorithm>
#include <cstring>

#include "dispatch.hpp"
#include "split.hpp"

namespace spiking {

void runConnectionKernel(const Connection& c, double work) {
  if (work <= 0) return;
  const ConnectionFn step = activeInstructionSet().connection;
  // Every output is computed by one call, in the same order, whatever the
  // split. The parts meet on 64-byte boundaries of the weight rows, counted
  // from the one before output 0: each part's first tile then loads whole
  // cache lines, as kernels/connection.hpp's alignedLead lays them.
  const std::size_t before = c.lineOffset();
  splitRange(c.out + before, work, kParallelAdds, [&](std::size_t begin, std::size_t end) {
    Connection part = c;
    part.oBegin = begin > before ? begin - before : 0;
    part.oEnd = end - before;
    if (part.oBegin < part.oEnd) step(part);
  });
}

std::size_t stepConnection(const Connection& c, const std::uint8_t* pre) {
  const std::size_t sent = c.batch * c.in;
  std::memcpy(c.ring + c.head * sent, pre, sent);
  // Work in float operations: arrivals x outputs, or every synapse (dense modes).
  double work = static_cast<double>(c.batch) * static_cast<double>(c.in) * static_cast<double>(c.out);
  if (c.mode == ConnectionMode::Current) work = static_cast<double>(c.listArrivals()) * static_cast<double>(c.out);
  runConnectionKernel(c, work);
  return (c.head + 1) % c.rows;
}

namespace {

// The total of n byte counters (n a multiple of 8): pairs of bytes to
// 16-bit sums (at most 510), then each word's four by a multiply (at most 2,040).
std::size_t sumBytes(const std::uint8_t* acc, std::size_t n) {
  constexpr std::uint64_t kEven = 0x00ff00ff00ff00ffull, kOnes16 = 0x0001000100010001ull;
  std::size_t sum = 0;
  for (std::size_t l = 0; l < n; l += 8) {
    std::uint64_t w;
    std::memcpy(&w, acc + l, 8);
    w = (w & kEven) + ((w >> 8) & kEven);
    sum += static_cast<std::size_t>((w * kOnes16) >> 48);
  }
  return sum;
}

}  // namespace

// The nonzero bytes of each row, without a branch per byte or per stretch:
// 32 byte counters (one per lane, at most 255 rounds before they are summed)
// gain 1 per nonzero byte, a loop the compiler widens to whole vectors; then
// the rest eight at a time (nonzeroBytes, shifted down, summed by a
// multiply: at most 8, no carries), then byte by byte. The same counts as
// any scan, about 18 ns for 784 bytes however many spike (a zero test per
// 32 bytes took 26 ns silent and 50-85 ns with a few spikes: a mispredicted
// branch per stretch that holds one).
void countSpikes(const std::uint8_t* spikes, std::size_t n, double* counts, std::size_t batch) {
  constexpr std::size_t kLanes = 32, kMostRounds = 255;
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  for (std::size_t b = 0; b < batch; ++b) {
    const std::uint8_t* row = spikes + b * n;
    std::size_t c = 0, i = 0;
    while (i + kLanes <= n) {
      alignas(32) std::uint8_t acc[kLanes] = {};
      const std::size_t rounds = std::min((n - i) / kLanes, kMostRounds);
      for (std::size_t r = 0; r < rounds; ++r, i += kLanes) {
        for (std::size_t l = 0; l < kLanes; ++l) acc[l] = static_cast<std::uint8_t>(acc[l] + (row[i + l] != 0 ? 1 : 0));
      }
      c += sumBytes(acc, kLanes);
    }
    for (; i + 8 <= n; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, row + i, 8);
      c += static_cast<std::size_t>(((nonzeroBytes(word) >> 7) * kOnes) >> 56);
    }
    for (; i < n; ++i) c += row[i] != 0;
    counts[b] += static_cast<double>(c);
  }
}

// 32 bytes at a time: a silent stretch costs one test; else the plain loop,
// which the compiler widens (bytes to 32-bit lanes).
void addSpikeCounts(const std::uint8_t* spikes, std::size_t n, std::uint32_t* counts) {
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    if (zero32(spikes + i)) continue;
    for (std::size_t k = i; k < i + 32; ++k) counts[k] += spikes[k] != 0 ? 1u : 0u;
  }
  for (; i < n; ++i) counts[i] += spikes[i] != 0 ? 1u : 0u;
}

}  // namespace spiking
