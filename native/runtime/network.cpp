#include "network.hpp"

#include <cstring>

#include "dispatch.hpp"
#include "split.hpp"

namespace spiking {

void runConnectionKernel(const Connection& c, double work) {
  if (work <= 0) return;
  const ConnectionFn step = activeInstructionSet().connection;
  // Every output is computed by one call, in the same order, whatever the split.
  splitRange(c.out, work, [&](std::size_t begin, std::size_t end) {
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

void countSpikes(const std::uint8_t* spikes, std::size_t n, double* counts, std::size_t batch) {
  for (std::size_t b = 0; b < batch; ++b) {
    std::size_t c = 0;
    for (std::size_t i = 0; i < n; ++i) c += spikes[b * n + i] != 0;
    counts[b] += static_cast<double>(c);
  }
}

}  // namespace spiking
