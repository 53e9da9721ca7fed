// AdaptiveLIF: LIF whose threshold rises by alphaThresh at each spike and
// decays (towards 0, as PySNN's does) with tauThresh.
#pragma once

#include "lif.hpp"

namespace spiking {
namespace kernel {

struct AdaptiveLIFModel {
  static constexpr bool kHasVoltage = true;
  static constexpr bool kAdapts = true;
  static constexpr bool kTheta = false;

  template <Update U, bool Refrac, class A, class P>
  static Mask<A> step(Lanes<A>& s, const Batch<A>& current, const P& p) {
    s.v = lifVoltage<U, Refrac, A>(s, current, p);
    return fire<U, U, true, Refrac, A>(s, p);
  }
};

}  // namespace kernel
}  // namespace spiking
