// stepLayer<Arch>: picks the fused kernel for the layer's model, update type
// and refractory setting. Included by each native/isa/*.cpp, which
// instantiates it for its instruction set.
#pragma once

#include "kernels.hpp"
#include "models/adaptive_lif.hpp"
#include "models/fede.hpp"
#include "models/if.hpp"
#include "models/input.hpp"
#include "models/lif.hpp"

namespace spiking {

namespace kernel {
template <class Model, Update U, class A>
inline void stepWith(const Layer& L, const Drive& d, std::size_t begin, std::size_t end) {
  if (L.refracSteps > 0.0f) {
    Stepper<Model, U, true, A>::range(L, d, begin, end);
  } else {
    Stepper<Model, U, false, A>::range(L, d, begin, end);
  }
}

template <class Model, class A>
inline void stepModel(const Layer& L, const Drive& d, std::size_t begin, std::size_t end) {
  if (L.update == Update::Exponential) {
    stepWith<Model, Update::Exponential, A>(L, d, begin, end);
  } else {
    stepWith<Model, Update::Linear, A>(L, d, begin, end);
  }
}
}  // namespace kernel

template <class Arch>
void stepLayer(const Layer& L, const Drive& d, std::size_t begin, std::size_t end) {
  using namespace kernel;
  switch (L.model) {
    case Model::Input:
      // Input has no refractory stage.
      if (L.update == Update::Exponential) {
        Stepper<InputModel, Update::Exponential, false, Arch>::range(L, d, begin, end);
      } else {
        Stepper<InputModel, Update::Linear, false, Arch>::range(L, d, begin, end);
      }
      return;
    case Model::IF:
      return stepModel<IFModel, Arch>(L, d, begin, end);
    case Model::LIF:
      return stepModel<LIFModel, Arch>(L, d, begin, end);
    case Model::AdaptiveLIF:
      return stepModel<AdaptiveLIFModel, Arch>(L, d, begin, end);
    case Model::Fede:
      return stepWith<FedeModel, Update::Exponential, Arch>(L, d, begin, end);
  }
}

}  // namespace spiking
