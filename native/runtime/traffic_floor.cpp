#include "traffic_floor.hpp"

#include "split.hpp"

namespace spiking {
namespace {

// Restrict-qualified, so the compiler knows the spikes never overwrite x and
// vectorises the loop (compare, pack to bytes) for the baseline instruction set.
void floorRange(const float* __restrict x, std::uint8_t* __restrict spikes, std::size_t begin, std::size_t end) {
  for (std::size_t i = begin; i < end; ++i) spikes[i] = x[i] >= 1.0f;
}

}  // namespace

void trafficFloor(const float* x, std::uint8_t* spikes, std::size_t count) {
  // Contiguous chunks, a few per thread: the access pattern memory streams
  // fastest. Plain C++, vectorised by the compiler; the loop is bound by
  // memory, not by the instruction set.
  splitRange(count, static_cast<double>(count), [=](std::size_t begin, std::size_t end) {
    floorRange(x, spikes, begin, end);
  });
}

}  // namespace spiking
