#include "plan_learning.hpp"

#include "learning_steps.hpp"
#include "../kernels/learning/pair_stdp.hpp"

namespace spiking {
namespace {

// A plan connection as the learning kernels see it after a step: its ring
// head has moved on, so the last step's row is the one before it.
Synapses synapsesOf(const Connection& L) {
  Synapses S;
  S.batch = L.batch;
  S.in = L.in;
  S.out = L.out;
  S.stride = L.stride;
  S.rows = L.rows;
  S.head = (L.head + L.rows - 1) % L.rows;
  S.delay = L.delay;
  S.weights = const_cast<float*>(L.weights);  // the slab's weights, writable
  S.delays = L.delays;
  S.ring = L.ring;
  return S;
}

void stepRule(const PlanLearning& learning, const PlanRule& r, AgedPairTraces* aged, const NetworkPlan& plan,
              std::uint64_t step) {
  const Synapses S = synapsesOf(plan.connections[r.connection].link);
  const Layer& post = plan.layers[r.target].layer;
  switch (r.kind) {
    case RuleKind::Pair: {
      // The arrivals as the connection's step listed them, or listed here.
      const PlanConnection& pc = plan.connections[r.connection];
      const bool shared = pc.listed != PlanConnection::kNotListed;
      const std::size_t events = shared ? pc.listed : listPairArrivals(S, r.arrivals);
      const std::uint32_t* arrivals = shared ? pc.link.eventIndex() : r.arrivals;
      const std::uint32_t* starts = shared ? pc.link.eventStarts() : r.arrivals + S.batch * S.in;
      if (aged) {
        aged->step(S, arrivals, starts, post.spikes, r.preTrace, step);
      } else {
        kernel::pairTraces(S, post.spikes, r.preTrace, r.postTrace, r.decayPre, r.decayPost, r.set);
      }
      PairCall C;
      C.syn = S;
      C.postSpikes = post.spikes;
      C.preTrace = r.preTrace;
      C.postTrace = r.postTrace;
      C.depression = aged ? aged->depression() : nullptr;
      C.aPlus = r.aPlus;
      C.aMinus = r.aMinus;
      C.wMin = r.wMin;
      C.wMax = r.wMax;
      C.multiplicative = r.multiplicative;
      C.arrivals = arrivals;
      C.starts = starts;
      learnPairListed(C, events);
      break;
    }
    case RuleKind::Mstdpet: {
      MstdpetCall C;
      C.syn = S;
      C.preTrace = r.keptTrace;
      C.eTrace = r.eTrace;
      C.aPre = r.aPre;
      C.aPost = r.aPost;
      C.decay = r.decay;
      learnMstdpetUpdate(C, post.spikes, post.trace, r.scratch);
      const double reward = r.rewards[r.rewardCount == 1 ? 0 : static_cast<std::size_t>(step - learning.first)];
      if (reward != 0) {
        C.scale = static_cast<float>(r.lr * reward);
        learnMstdpetStep(C);
      }
      break;
    }
    case RuleKind::Fede: {
      FedeCall C;
      C.syn = S;
      C.preTrace = r.keptTrace;
      C.scratch = r.scratch;
      C.lr = r.fedeLr;
      C.wInit = r.wInit;
      C.a = r.a;
      if (allFinite(C.preTrace, S.batch * S.in)) learnFede(C);
      break;
    }
  }
  if (r.every != 0 && (step + 1) % r.every == 0) {
    NormalizeCall N;
    N.syn = S;
    N.total = r.total;
    learnNormalize(N);
  }
}

// Before the call's first step: the nearest-spike pair traces by their tables.
void start(void* context, const NetworkPlan& plan, std::uint64_t first) {
  PlanLearning& learning = *static_cast<PlanLearning*>(context);
  learning.aged.clear();
  learning.aged.resize(learning.rules.size());
  for (std::size_t k = 0; k < learning.rules.size(); ++k) {
    const PlanRule& r = learning.rules[k];
    if (r.kind != RuleKind::Pair || !r.set) continue;
    auto aged = std::make_unique<AgedPairTraces>();
    const Synapses S = synapsesOf(plan.connections[r.connection].link);
    if (aged->start(S, r.decayPre, r.decayPost, r.aMinus, r.preTrace, r.postTrace, first)) {
      learning.aged[k] = std::move(aged);
    }
  }
}

void afterStep(void* context, const NetworkPlan& plan, std::uint64_t step) {
  PlanLearning& learning = *static_cast<PlanLearning*>(context);
  for (std::size_t k = 0; k < learning.rules.size(); ++k) {
    stepRule(learning, learning.rules[k], learning.aged[k].get(), plan, step);
  }
}

// After the call's last step: the presynaptic traces the steps left unwritten.
void finish(void* context, const NetworkPlan& plan, std::size_t steps) {
  PlanLearning& learning = *static_cast<PlanLearning*>(context);
  if (steps == 0) return;
  for (std::size_t k = 0; k < learning.rules.size(); ++k) {
    if (!learning.aged[k]) continue;
    const PlanRule& r = learning.rules[k];
    learning.aged[k]->finish(synapsesOf(plan.connections[r.connection].link), r.preTrace, r.postTrace,
                             learning.first + steps - 1);
  }
}

}  // namespace

void installLearning(NetworkPlan& plan, PlanLearning& learning) {
  if (learning.rules.empty()) return;
  plan.hook.afterStep = &afterStep;
  plan.hook.start = &start;
  plan.hook.finish = &finish;
  plan.hook.context = &learning;
}

}  // namespace spiking
