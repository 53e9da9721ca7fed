// The live list of a Poisson source's thresholds (kernels/encode_call.hpp's
// BernoulliLive): for each of `lists` rows of n thresholds (one row when
// they are shared by the samples, else one per sample), the blocks of four
// neurons with a threshold > 0 and their words' limits.
#pragma once

#include <cstddef>

#include "../kernels/encode_call.hpp"

namespace spiking {

void listLive(const double* thresholds, std::size_t n, std::size_t lists, BernoulliLive& live);

}  // namespace spiking
