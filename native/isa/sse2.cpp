// SSE2, the x86-64 baseline: compiled with that instruction set's flags only (see CMakeLists.txt).
#include "../step_layer.hpp"
#include "../stream_probe.hpp"

template void spiking::stepLayer<xsimd::sse2>(const Layer&, const Drive&, std::size_t, std::size_t);
template void spiking::streamLayer<xsimd::sse2>(const Layer&, const float*, std::size_t, std::size_t);
