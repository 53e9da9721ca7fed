// AVX-512 (F, CD, DQ, BW, VL): compiled with that instruction set's flags only (see CMakeLists.txt).
#include "../step_layer.hpp"
#include "../stream_probe.hpp"

template void spiking::stepLayer<xsimd::avx512bw>(const Layer&, const Drive&, std::size_t, std::size_t);
template void spiking::streamLayer<xsimd::avx512bw>(const Layer&, const float*, std::size_t, std::size_t);
