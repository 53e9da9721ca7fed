#include "network.hpp"

#include <cstring>

#include "dispatch.hpp"
#include "split.hpp"

namespace spiking {

void runConnectionKernel(const Connection& c, double work) {
  if (work <= 0) return;
  const ConnectionFn step = activeInstructionSet().connection;
  // Every output is computed by one call, in the same order, whatever the split.
  splitRange(c.out, work, kParallelAdds, [&](std::size_t begin, std::size_t end) {
    Connection part = c;
    part.oBegin = begin;
    part.oEnd = end;
    step(part);
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

// The non-zero bytes of row, eight at a time: each becomes 0x01 in its byte
// (nonzeroBytes, shifted down), and a multiply sums the eight bytes into the
// top one (at most 8: no carries between them).
void countSpikes(const std::uint8_t* spikes, std::size_t n, double* counts, std::size_t batch) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull;
  for (std::size_t b = 0; b < batch; ++b) {
    const std::uint8_t* row = spikes + b * n;
    std::size_t c = 0, i = 0;
    for (; i + 32 <= n; i += 32) {
      if (zero32(row + i)) continue;
      for (std::size_t k = i; k < i + 32; k += 8) {
        std::uint64_t word;
        std::memcpy(&word, row + k, 8);
        c += static_cast<std::size_t>(((nonzeroBytes(word) >> 7) * kOnes) >> 56);
      }
    }
    for (; i + 8 <= n; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, row + i, 8);
      const std::uint64_t ones = nonzeroBytes(word) >> 7;
      c += static_cast<std::size_t>((ones * kOnes) >> 56);
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
