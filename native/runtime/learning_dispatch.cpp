// The learning kernels of each compiled instruction set, found by the name of
// the active one (dispatch.cpp picks it). Compiled for the baseline architecture.
#include <xsimd/xsimd.hpp>

#include <cstring>

#include "dispatch.hpp"

namespace spiking {
namespace {

#if defined(__x86_64__) || defined(_M_X64)
const LearningKernels kLearning[] = {
    {"avx512bw", &mstdpetUpdate<xsimd::avx512bw>, &mstdpetStep<xsimd::avx512bw>, &pairStdp<xsimd::avx512bw>,
     &normalizeWeights<xsimd::avx512bw>},
    {"avx2", &mstdpetUpdate<xsimd::avx2>, &mstdpetStep<xsimd::avx2>, &pairStdp<xsimd::avx2>,
     &normalizeWeights<xsimd::avx2>},
    {"sse2", &mstdpetUpdate<xsimd::sse2>, &mstdpetStep<xsimd::sse2>, &pairStdp<xsimd::sse2>,
     &normalizeWeights<xsimd::sse2>},
};
#elif defined(__aarch64__)
const LearningKernels kLearning[] = {
    {"neon64", &mstdpetUpdate<xsimd::neon64>, &mstdpetStep<xsimd::neon64>, &pairStdp<xsimd::neon64>,
     &normalizeWeights<xsimd::neon64>},
};
#else
#error "spiking: no kernels for this architecture (x86-64 and AArch64 are supported)"
#endif

}  // namespace

const LearningKernels& activeLearningKernels() {
  const char* active = activeInstructionSet().name;
  for (const LearningKernels& k : kLearning) {
    if (std::strcmp(k.name, active) == 0) return k;
  }
  return kLearning[sizeof(kLearning) / sizeof(kLearning[0]) - 1];  // the baseline: unreachable while the tables agree
}

}  // namespace spiking
