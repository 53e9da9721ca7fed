// SSE2, the x86-64 baseline: compiled with that instruction set's flags only (see CMakeLists.txt).
#include "../kernels/add_peak.hpp"
#include "../kernels/arrivals.hpp"
#include "../kernels/connection.hpp"
#include "../kernels/encode.hpp"
#include "../kernels/learning/mstdpet.hpp"
#include "../kernels/learning/normalize.hpp"
#include "../kernels/learning/pair_stdp.hpp"
#include "../kernels/step_layer.hpp"
#include "../kernels/stream_probe.hpp"

template void spiking::stepLayer<xsimd::sse2>(const Layer&, const Drive&, std::size_t, std::size_t);
template void spiking::streamLayer<xsimd::sse2>(const Layer&, const float*, std::size_t, std::size_t);
template void spiking::connectionStep<xsimd::sse2>(const Connection&);
template void spiking::bernoulliStep<xsimd::sse2>(const BernoulliCall&);
template std::size_t spiking::scanSpikes<xsimd::sse2>(const std::uint8_t*, std::size_t, std::uint32_t*, std::size_t);
template double spiking::addPeak<xsimd::sse2>(std::size_t);
template spiking::LoadAdds spiking::loadAddPeak<xsimd::sse2>(const float*, std::size_t, std::size_t);
template void spiking::mstdpetUpdate<xsimd::sse2>(const MstdpetCall&);
template void spiking::mstdpetStep<xsimd::sse2>(const MstdpetCall&);
template void spiking::pairStdp<xsimd::sse2>(const PairCall&);
template void spiking::normalizeWeights<xsimd::sse2>(const NormalizeCall&);
