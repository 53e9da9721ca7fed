// AdaptiveThresholdLIF: the LIF of Diehl & Cook (2015), whose spiking
// threshold is a fixed thresh plus an adaptive offset theta. Theta grows by
// thetaPlus at each spike and decays towards 0 with tauTheta; thresh itself
// never changes (unlike AdaptiveLIF's, which decays to 0 as PySNN's does).
#pragma once

#include "lif.hpp"

namespace spiking {
namespace kernel {

// docs/semantics.md, "One neuron step", step 5b: the decay of theta
// under update type U, then the increment of this step's spikes.
template <Update U, class A, class P>
inline Batch<A> thetaStep(const Batch<A>& theta, const Batch<A>& fired, const P& p) {
  const Batch<A> factor = p.template decay<U>(ParamId::TauTheta);
  const Batch<A> increment = p(ParamId::ThetaPlus) * fired;
  if constexpr (U == Update::Linear) return theta * factor + increment;
  return (theta - factor * theta) + increment;
}

struct AdaptiveThresholdLIFModel {
  static constexpr bool kHasVoltage = true;
  static constexpr bool kAdapts = false;
  static constexpr bool kTheta = true;

  template <Update U, bool Refrac, class A, class P>
  static Mask<A> step(Lanes<A>& s, const Batch<A>& current, const P& p) {
    using B = Batch<A>;
    s.v = lifVoltage<U, Refrac, A>(s, current, p);
    const Mask<A> spike = fireAt<U, U, false, Refrac, A>(s, p, s.thresh + s.theta);
    s.theta = thetaStep<U, A>(s.theta, xsimd::select(spike, B(1.0f), B(0.0f)), p);
    return spike;
  }
};

}  // namespace kernel
}  // namespace spiking
