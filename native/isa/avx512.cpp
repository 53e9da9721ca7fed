// AVX-512 (F, CD, DQ, BW, VL): compiled with that instruction set's flags only (see CMakeLists.txt).
#include "../kernels/connection.hpp"
#include "../kernels/encode.hpp"
#include "../kernels/step_layer.hpp"
#include "../kernels/stream_probe.hpp"

template void spiking::stepLayer<xsimd::avx512bw>(const Layer&, const Drive&, std::size_t, std::size_t);
template void spiking::streamLayer<xsimd::avx512bw>(const Layer&, const float*, std::size_t, std::size_t);
template void spiking::connectionStep<xsimd::avx512bw>(const Connection&);
template void spiking::bernoulliStep<xsimd::avx512bw>(const BernoulliCall&);
