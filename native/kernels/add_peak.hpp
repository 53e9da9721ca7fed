// The benchmark's arithmetic ceiling: the rate at which one core adds
// float32 vectors with nothing else to do (no loads, no stores), the most a
// connection (one add per arriving weight per output) could ever reach.
// Included by each native/isa/*.cpp.
#pragma once

#include "vector_loop.hpp"

namespace spiking {
namespace kernel {

// An empty asm that reads and writes the register: the compiler can neither
// fold a chain of adds into fewer nor drop the ones whose sums go unused.
template <class R>
inline void keepRegister(R& r) {
#if defined(__GNUC__) && defined(__x86_64__) && defined(__AVX512F__)
  asm volatile("" : "+v"(r));
#elif defined(__GNUC__) && defined(__x86_64__)
  asm volatile("" : "+x"(r));
#elif defined(__GNUC__) && defined(__aarch64__)
  asm volatile("" : "+w"(r));
#else
  (void)r;
#endif
}

}  // namespace kernel

// `rounds` rounds of one add to each of kChains independent running sums
// (enough to cover an add's latency on every port of the cores we build
// for, and few enough to stay in SSE2's 16 registers); returns the float adds
// done. The sums start at 1 to 12 and grow by 1e-7 per add: normal floats
// all along, so no slow denormal path is timed.
template <class Arch>
double addPeak(std::size_t rounds) {
  using B = kernel::Batch<Arch>;
  constexpr std::size_t kChains = 12;
  // Named sums, not an array: the compiler keeps each in a register.
  B s0(1.0f), s1(2.0f), s2(3.0f), s3(4.0f), s4(5.0f), s5(6.0f), s6(7.0f), s7(8.0f), s8(9.0f), s9(10.0f), s10(11.0f),
      s11(12.0f);
  const B step(1e-7f);
  auto add = [&](B& s) {
    s = s + step;
    kernel::keepRegister(s.data);
  };
  for (std::size_t r = 0; r < rounds; ++r) {
    add(s0), add(s1), add(s2), add(s3), add(s4), add(s5), add(s6), add(s7), add(s8), add(s9), add(s10), add(s11);
  }
  return static_cast<double>(rounds) * kChains * B::size;
}

}  // namespace spiking
