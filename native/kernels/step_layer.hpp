// stepLayer<Arch>: picks the fused kernel for the layer's model, update type
// and refractory setting. Included by each native/isa/*.cpp, which
// instantiates it for its instruction set.
#pragma once

#include "../runtime/dispatch.hpp"
#include "models/adaptive_lif.hpp"
#include "models/adaptive_threshold_lif.hpp"
#include "models/fede.hpp"
#include "models/if.hpp"
#include "models/input.hpp"
#include "models/lif.hpp"

namespace spiking {

namespace kernel {
// The kernels agree with the models' traits (abi/layer_layout.hpp).
static_assert(InputModel::kHasVoltage == traits(Model::Input).neuronState, "Input's state");
static_assert(IFModel::kHasVoltage == traits(Model::IF).neuronState, "IF's state");
static_assert(LIFModel::kHasVoltage == traits(Model::LIF).neuronState, "LIF's state");
static_assert(AdaptiveLIFModel::kHasVoltage == traits(Model::AdaptiveLIF).neuronState, "AdaptiveLIF's state");
static_assert(FedeModel::kHasVoltage == traits(Model::Fede).neuronState, "Fede's state");
static_assert(AdaptiveThresholdLIFModel::kHasVoltage == traits(Model::AdaptiveThresholdLIF).neuronState,
              "AdaptiveThresholdLIF's state");
// Only AdaptiveThresholdLIF has theta (the checks give the other models none).
static_assert(AdaptiveThresholdLIFModel::kTheta == traits(Model::AdaptiveThresholdLIF).theta &&
                  !LIFModel::kTheta && !AdaptiveLIFModel::kTheta && !FedeModel::kTheta && !IFModel::kTheta &&
                  !InputModel::kTheta,
              "theta");
static_assert(traits(Model::Fede).updates == updateBit(Update::Exponential), "Fede runs exponential only");
// Only FedeNeuron reads preTrace (models/fede.hpp); only Input takes bytes.
static_assert(traits(Model::Fede).preTrace && !traits(Model::LIF).preTrace && !traits(Model::Input).folds, "inputs");

static inline bool isGeneral(const Layer& L) {
  for (const Param& p : L.params) {
    if (p.ptr) return true;
  }
  for (const float* out : L.records) {
    if (out) return true;
  }
  return false;
}

template <class Model, Update U, bool Refrac, class A>
inline void stepRefrac(const Layer& L, const Drive& d, std::size_t begin, std::size_t end) {
  if (isGeneral(L)) {
    Stepper<Model, U, Refrac, true, A>::range(L, d, begin, end);
  } else {
    Stepper<Model, U, Refrac, false, A>::range(L, d, begin, end);
  }
}

template <class Model, Update U, class A>
inline void stepWith(const Layer& L, const Drive& d, std::size_t begin, std::size_t end) {
  if (L.refracSteps > 0.0f) {
    stepRefrac<Model, U, true, A>(L, d, begin, end);
  } else {
    stepRefrac<Model, U, false, A>(L, d, begin, end);
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
      // No refractory stage: the checks refuse an Input slab with one.
      if (L.update == Update::Exponential) {
        return stepRefrac<InputModel, Update::Exponential, false, Arch>(L, d, begin, end);
      }
      return stepRefrac<InputModel, Update::Linear, false, Arch>(L, d, begin, end);
    case Model::IF:
      return stepModel<IFModel, Arch>(L, d, begin, end);
    case Model::LIF:
      return stepModel<LIFModel, Arch>(L, d, begin, end);
    case Model::AdaptiveLIF:
      return stepModel<AdaptiveLIFModel, Arch>(L, d, begin, end);
    case Model::AdaptiveThresholdLIF:
      return stepModel<AdaptiveThresholdLIFModel, Arch>(L, d, begin, end);
    case Model::Fede:  // exponential only: the checks refuse a linear Fede slab
      return stepWith<FedeModel, Update::Exponential, Arch>(L, d, begin, end);
  }
}

}  // namespace spiking
