// Rule entries: [params, a0, a1, a2, a3], params a Float64Array
//   [kind, connection, total, every, ...the rule's own]:
//   PairSTDP (1)  ... decayPre, decayPost, set, aPlus, aMinus, wMin, wMax, multiplicative
//                 a0 preTrace F32 [batch][in], a1 postTrace F32 [batch][stride],
//                 a2 arrivals U32 [batch * in + batch + 1]
//   MSTDPET (2)   ... aPre, aPost, eTraceDecay, lr
//                 a0 eTrace F32 [batch][in][stride], a1 scratch F32 [2][batch][stride],
//                 a2 keptTrace F32 [batch][in], a3 rewards F64 [1 or steps]
//   FedeSTDP (3)  ... lr, wInit, a
//                 a0 scratch F32 [2][batch][in], a1 keptTrace F32 [batch][in]
// every: normalise every that many steps (0: never) to total.
#include "plan_rules.hpp"

#include <cmath>
#include <string>

#include "checks.hpp"

namespace spiking {
namespace {

using checks::fail;

constexpr double kTwo53 = 9007199254740992.0;

struct Reader {
  Napi::Env env;
  const std::vector<Napi::Value>& row;
  std::string where;
  std::vector<Napi::Value>& kept;

  template <class T>
  T* array(std::size_t at, napi_typedarray_type type, double length, const char* what) const {
    kept.push_back(row[at]);
    const std::string name = where + " " + what;
    if (length < 1 || length > kTwo53) fail(env, "Expected a size that fits for " + name);
    return static_cast<T*>(checks::typedArg(env, row[at], type, name.c_str(), static_cast<std::size_t>(length)).data);
  }
};

float finiteFloat(Napi::Env env, double x, const std::string& name) {
  const float f = static_cast<float>(x);
  if (!std::isfinite(f)) fail(env, "Expected a finite float32 for " + name);
  return f;
}

}  // namespace

void decodeRules(Napi::Env env, const std::vector<std::vector<Napi::Value>>& rows, std::size_t steps,
                 NetworkPlan& plan, PlanLearning& learning, std::vector<Napi::Value>& kept) {
  std::vector<int> taken(plan.connections.size(), 0);
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const Reader in{env, rows[k], "rules[" + std::to_string(k) + "]", kept};
    kept.push_back(rows[k][0]);
    const checks::TypedView view = checks::typedView(rows[k][0]);
    if (view.type != napi_float64_array || view.length < 4) fail(env, "Expected a Float64Array of params for " + in.where, true);
    const double* p = static_cast<const double*>(view.data);
    PlanRule r;
    const double kind = p[0], c = p[1];
    const std::size_t own = kind == 1 ? 8 : kind == 2 ? 4 : kind == 3 ? 3 : 0;
    if (own == 0) fail(env, "Expected a rule kind of 1 (PairSTDP), 2 (MSTDPET) or 3 (FedeSTDP) in " + in.where);
    if (view.length != 4 + own) fail(env, "Expected " + std::to_string(4 + own) + " params in " + in.where);
    r.kind = static_cast<RuleKind>(static_cast<int>(kind));
    if (!checks::isWhole(c) || c < 0 || c >= static_cast<double>(plan.connections.size())) {
      fail(env, "Expected a connection index of the plan in " + in.where);
    }
    r.connection = static_cast<std::size_t>(c);
    if (taken[r.connection]++) fail(env, "Expected at most one rule per connection (" + in.where + ")");
    for (std::size_t t = 0; t < plan.layers.size(); ++t) {
      for (std::size_t i : plan.layers[t].incoming) {
        if (i == r.connection) r.target = t;
      }
    }
    PlanConnection& conn = plan.connections[r.connection];
    const Connection& L = conn.link;
    r.total = finiteFloat(env, p[2], in.where + " total");
    if (!checks::isWhole(p[3]) || p[3] < 0 || p[3] > kTwo53) fail(env, "Expected a whole number of steps for " + in.where + " every");
    r.every = static_cast<std::uint64_t>(p[3]);
    const double batch = static_cast<double>(L.batch), n = static_cast<double>(L.in);
    const double stride = static_cast<double>(L.stride);
    const double* h = p + 4;
    if (r.kind == RuleKind::Pair) {
      if (L.delays) fail(env, "Expected a connection without per-synapse delays for pair STDP in " + in.where);
      r.decayPre = finiteFloat(env, h[0], in.where + " decayPre");
      r.decayPost = finiteFloat(env, h[1], in.where + " decayPost");
      r.set = h[2] != 0;
      r.aPlus = finiteFloat(env, h[3], in.where + " aPlus");
      r.aMinus = finiteFloat(env, h[4], in.where + " aMinus");
      r.wMin = finiteFloat(env, h[5], in.where + " wMin");
      r.wMax = finiteFloat(env, h[6], in.where + " wMax");
      if (!(r.wMin <= r.wMax)) fail(env, "Expected wMin <= wMax in " + in.where);
      r.multiplicative = h[7] != 0;
      r.preTrace = in.array<float>(1, napi_float32_array, batch * n, "preTrace");
      r.postTrace = in.array<float>(2, napi_float32_array, batch * stride, "postTrace");
      r.arrivals = in.array<std::uint32_t>(3, napi_uint32_array, batch * n + batch + 1, "arrivals");
    } else if (r.kind == RuleKind::Mstdpet) {
      r.aPre = finiteFloat(env, h[0], in.where + " aPre");
      r.aPost = finiteFloat(env, h[1], in.where + " aPost");
      r.decay = finiteFloat(env, h[2], in.where + " eTraceDecay");
      r.lr = h[3];
      if (!std::isfinite(static_cast<float>(r.lr))) fail(env, "Expected a finite float32 for " + in.where + " lr");
      r.eTrace = in.array<float>(1, napi_float32_array, batch * n * stride, "eTrace");
      r.scratch = in.array<float>(2, napi_float32_array, 2 * batch * stride, "scratch");
      conn.keptTrace = in.array<float>(3, napi_float32_array, batch * n, "keptTrace");
      const checks::TypedView rewards = checks::typedView(rows[k][4]);
      kept.push_back(rows[k][4]);
      if (rewards.type != napi_float64_array || (rewards.length != 1 && rewards.length != steps)) {
        fail(env, "Expected a Float64Array of 1 or `steps` rewards for " + in.where, true);
      }
      r.rewards = static_cast<const double*>(rewards.data);
      r.rewardCount = rewards.length;
      for (std::size_t j = 0; j < r.rewardCount; ++j) {
        if (!std::isfinite(static_cast<float>(r.lr * r.rewards[j]))) fail(env, "Expected rewards whose product with lr is finite in float32 in " + in.where);
      }
    } else {
      r.fedeLr = finiteFloat(env, h[0], in.where + " lr");
      r.wInit = finiteFloat(env, h[1], in.where + " wInit");
      r.a = finiteFloat(env, h[2], in.where + " a");
      r.scratch = in.array<float>(1, napi_float32_array, 2 * batch * n, "scratch");
      conn.keptTrace = in.array<float>(2, napi_float32_array, batch * n, "keptTrace");
    }
    r.keptTrace = conn.keptTrace;
    conn.stepwise = true;
    learning.rules.push_back(r);
  }
}

}  // namespace spiking
