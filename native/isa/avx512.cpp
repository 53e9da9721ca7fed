// AVX-512 (F, CD, DQ, BW, VL): compiled with that instruction set's flags only (see CMakeLists.txt).
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
template void spiking::mstdpetUpdate<xsimd::avx512bw>(const MstdpetCall&);
template void spiking::mstdpetStep<xsimd::avx512bw>(const MstdpetCall&);
template void spiking::pairStdp<xsimd::avx512bw>(const PairCall&);
template void spiking::normalizeWeights<xsimd::avx512bw>(const NormalizeCall&);
