// IF: integrate and fire, no leak (PySNN IFNeuron). The update type only
// chooses the trace update.
#pragma once

#include "../stages.hpp"

namespace spiking {
namespace kernel {

struct IFModel {
  static constexpr bool kHasVoltage = true;
  static constexpr bool kAdapts = false;
  static constexpr bool kTheta = false;

  template <Update U, bool Refrac, class A, class P>
  static Mask<A> step(Lanes<A>& s, const Batch<A>& current, const P& p) {
    const Batch<A> open = openGate<Refrac, A>(s);
    s.v = s.v + gated<Refrac, A>(p(ParamId::AlphaV) * current, open);
    return fire<U, U, false, Refrac, A>(s, p);
  }
};

}  // namespace kernel
}  // namespace spiking
