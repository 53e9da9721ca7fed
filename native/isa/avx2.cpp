// AVX2: compiled with that instruction set's flags only (see CMakeLists.txt).
#include "../kernels/connection.hpp"
#include "../kernels/encode.hpp"
#include "../kernels/step_layer.hpp"
#include "../kernels/stream_probe.hpp"

template void spiking::stepLayer<xsimd::avx2>(const Layer&, const Drive&, std::size_t, std::size_t);
template void spiking::streamLayer<xsimd::avx2>(const Layer&, const float*, std::size_t, std::size_t);
template void spiking::connectionStep<xsimd::avx2>(const Connection&);
template void spiking::bernoulliStep<xsimd::avx2>(const BernoulliCall&);
