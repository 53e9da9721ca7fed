// AVX2: compiled with that instruction set's flags only (see CMakeLists.txt).
#include "../kernels/add_peak.hpp"
#include "../kernels/arrivals.hpp"
#include "../kernels/connection.hpp"
#include "../kernels/encode.hpp"
#include "../kernels/learning/mstdpet.hpp"
#include "../kernels/learning/normalize.hpp"
#include "../kernels/learning/pair_stdp.hpp"
#include "../kernels/step_layer.hpp"
#include "../kernels/stream_probe.hpp"

template void spiking::stepLayer<xsimd::avx2>(const Layer&, const Drive&, std::size_t, std::size_t);
template void spiking::streamLayer<xsimd::avx2>(const Layer&, const float*, std::size_t, std::size_t);
template void spiking::connectionStep<xsimd::avx2>(const Connection&);
template void spiking::bernoulliStep<xsimd::avx2>(const BernoulliCall&);
template std::size_t spiking::scanSpikes<xsimd::avx2>(const std::uint8_t*, std::size_t, std::uint32_t*, std::size_t);
template double spiking::addPeak<xsimd::avx2>(std::size_t);
template spiking::LoadAdds spiking::loadAddPeak<xsimd::avx2>(const float*, std::size_t, std::size_t);
template void spiking::mstdpetUpdate<xsimd::avx2>(const MstdpetCall&);
template void spiking::mstdpetStep<xsimd::avx2>(const MstdpetCall&);
template void spiking::pairStdp<xsimd::avx2>(const PairCall&);
template void spiking::normalizeWeights<xsimd::avx2>(const NormalizeCall&);
