// The learning rules of a network run (lib/network/plan.ts nativeRules),
// checked and turned into runtime/plan_learning.hpp's entries.
#pragma once

#include <napi.h>

#include <cstddef>
#include <vector>

#include "../runtime/plan_learning.hpp"

namespace spiking {

// rows: the rules list read whole, each [params: Float64Array, a0, a1, a2, a3]
// (the layouts are in plan_rules.cpp). The plan's layers and connections are
// decoded already; `steps` is the call's step count. Appends every JS value a
// rule points into to `kept`.
void decodeRules(Napi::Env env, const std::vector<std::vector<Napi::Value>>& rows, std::size_t steps,
                 NetworkPlan& plan, PlanLearning& learning, std::vector<Napi::Value>& kept);

}  // namespace spiking
