// AVX-512 (F, CD, DQ, BW, VL): compiled with that instruction set's flags only (see CMakeLists.txt).
// GCC 12's avx512fintrin.h passes a self-initialised _mm512_undefined_*() as
// the ignored merge operand of its all-lanes masked builtins, and
// -Wmaybe-uninitialized flags every inlined use (GCC bug 105593): a warning
// about the compiler's header, not this code, silenced for this file only
// (the ASan build's -O1 reports the same as -Wuninitialized).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include "../kernels/add_peak.hpp"
#include "../kernels/arrivals.hpp"
#include "../kernels/connection.hpp"
#include "../kernels/encode.hpp"
#include "../kernels/learning/mstdpet.hpp"
#include "../kernels/learning/normalize.hpp"
#include "../kernels/learning/pair_stdp.hpp"
#include "../kernels/step_layer.hpp"
#include "../kernels/stream_probe.hpp"

template void spiking::stepLayer<xsimd::avx512bw>(const Layer&, const Drive&, std::size_t, std::size_t);
template void spiking::streamLayer<xsimd::avx512bw>(const Layer&, const float*, std::size_t, std::size_t);
template void spiking::connectionStep<xsimd::avx512bw>(const Connection&);
template void spiking::bernoulliStep<xsimd::avx512bw>(const BernoulliCall&);
template std::size_t spiking::scanSpikes<xsimd::avx512bw>(const std::uint8_t*, std::size_t, std::uint32_t*, std::size_t);
template double spiking::addPeak<xsimd::avx512bw>(std::size_t);
template spiking::LoadAdds spiking::loadAddPeak<xsimd::avx512bw>(const float*, std::size_t, std::size_t);
template void spiking::mstdpetUpdate<xsimd::avx512bw>(const MstdpetCall&);
template void spiking::mstdpetStep<xsimd::avx512bw>(const MstdpetCall&);
template void spiking::pairStdp<xsimd::avx512bw>(const PairCall&);
template void spiking::normalizeWeights<xsimd::avx512bw>(const NormalizeCall&);
