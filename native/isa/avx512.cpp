// AVX-512 (F, CD, DQ, BW): compiled with that instruction set's flags only (see CMakeLists.txt).
#include "../connection.hpp"
#include "../encode.hpp"
#include "../step_layer.hpp"

template void spiking::stepLayer<xsimd::avx512bw>(const Layer&, const Drive&, std::size_t, std::size_t);
template void spiking::linkStep<xsimd::avx512bw>(const Link&);
template void spiking::bernoulliStep<xsimd::avx512bw>(const BernoulliCall&);
