// Learning rules inside the network engine: what plan.hpp's StepHook runs
// after every step for the connections that were connected with a rule
// (lib/network/network.ts, `connect(from, to, linear, { learning })`). Built
// by the N-API layer (binding/plan_rules.cpp) from the rule's own state
// arrays, so a rule stepped by the engine and the same rule stepped by hand
// (rule.updateState(); rule.step()) share state and give the same bits.
//
// After each step t, for each rule entry in connection order (entries touch
// only their own connection's weights and their own state, so the order
// between entries changes nothing), in abi/learning_view.hpp's call order:
//   PairSTDP  pairTraces, then the arrivals and the event-driven update;
//   MSTDPET   the eligibility update from the presynaptic trace the
//             connection carried at step t (PlanConnection::keptTrace), then,
//             when the run's reward for step t is not 0, the weight step with
//             scale f32(lr * reward);
//   FedeSTDP  the step from the carried presynaptic trace (none when every
//             trace is 0; none either when one is not finite: the rule's own
//             step() throws there, the engine cannot);
// then, when the entry normalises every N steps and (t + 1) % N == 0, the
// connection's weights are normalised (each output's incoming sum to total).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "aged_trace.hpp"
#include "plan.hpp"

namespace spiking {

// The same numbers as lib/network/plan.ts RULE_KINDS.
enum class RuleKind : int { Pair = 1, Mstdpet = 2, Fede = 3 };

struct PlanRule {
  RuleKind kind = RuleKind::Pair;
  std::size_t connection = 0;  // plan.connections index
  std::size_t target = 0;      // plan.layers index of its postsynaptic layer
  // PairSTDP: the traces [batch][in] and [batch][stride], the arrival scratch.
  float* preTrace = nullptr;
  float* postTrace = nullptr;
  std::uint32_t* arrivals = nullptr;
  float decayPre = 0, decayPost = 0, aPlus = 0, aMinus = 0, wMin = 0, wMax = 0;
  bool set = false, multiplicative = false;
  // MSTDPET: eligibility traces, [2][batch][stride] scratch, hyper-parameters;
  // rewards: one for every step, or one per step of the call (rewardCount == steps).
  float* eTrace = nullptr;
  float* scratch = nullptr;  // FedeSTDP: its [2][batch][in] trace terms
  float aPre = 0, aPost = 0, decay = 0;
  double lr = 0;
  const double* rewards = nullptr;
  std::size_t rewardCount = 0;
  // FedeSTDP.
  float fedeLr = 0, wInit = 0, a = 0;
  // MSTDPET, FedeSTDP: the presynaptic trace the connection carried (its keptTrace).
  const float* keptTrace = nullptr;
  // Normalisation every `every` steps (0: never) to `total`.
  float total = 0;
  std::uint64_t every = 0;
};

struct PlanLearning {
  std::vector<PlanRule> rules;
  std::uint64_t first = 0;  // the call's first step (rewards are indexed from it)
  // PairSTDP with nearest-spike traces: the traces through their tables
  // (aged_trace.hpp), from the rule's trace values before the call's first
  // step; null for the other rules and where the values are not in the
  // tables (then pairTraces multiplies, as it would anyway: the same bits).
  std::vector<std::unique_ptr<AgedPairTraces>> aged;
};

// Points plan.hook at `learning` (which must outlive the run).
void installLearning(NetworkPlan& plan, PlanLearning& learning);

}  // namespace spiking
