#include "listed_input.hpp"

#include <cmath>
#include <cstring>

#include "blocks.hpp"
#include "dispatch.hpp"
#include "network.hpp"

namespace spiking {

bool ListedInput::suits(const PlanLayer& p) {
  const Layer& L = p.layer;
  if (!p.input || p.source.kind != SourceKind::Poisson || L.model != Model::Input || L.update != Update::Linear) return false;
  const Param& tau = L.param(ParamId::TauT);
  const Param& alpha = L.param(ParamId::AlphaT);
  if (tau.ptr || alpha.ptr || !std::isfinite(alpha.value) || std::signbit(alpha.value)) return false;
  if (tau.value != 0.0f || std::signbit(tau.value)) return false;  // +0 itself: -0 would leave -0 traces
  for (float* r : L.records) {
    if (r) return false;
  }
  for (std::size_t i = 0; i < L.n; ++i) {
    if (!std::isfinite(L.trace[i])) return false;
  }
  return true;
}

ListedInput::ListedInput(const PlanLayer& p, const BernoulliLive& live)
    : live_(live), shared_(p.source.shared), perSample_(p.perSample), alpha_(p.layer.param(ParamId::AlphaT).value) {
  for (int k = 0; k < 2; ++k) {
    index_[k].resize(p.layer.n);
    count_[k].resize(p.batch);
  }
}

void ListedInput::step(const PlanLayer& p, std::size_t j, std::size_t b0, std::size_t b1) {
  const Layer& L = p.layer;
  const std::size_t n = perSample_;
  if (j == 0) {
    Drive drive;
    drive.bytes = p.x;
    activeInstructionSet().step(L, drive, b0 * n, b1 * n);
  }
  const std::vector<std::uint32_t>& before = index_[(j + 1) & 1];
  std::vector<std::uint32_t>& now = index_[j & 1];
  for (std::size_t b = b0; b < b1; ++b) {
    const std::size_t at = b * n;
    std::uint8_t* spikes = L.spikes + at;
    float* trace = L.trace + at;
    const std::uint8_t* x = p.x + at;
    if (j > 0) {
      const std::uint32_t* last = before.data() + at;
      for (std::size_t e = 0, c = count_[(j + 1) & 1][b]; e < c; ++e) {
        spikes[last[e]] = 0;
        trace[last[e]] = 0.0f;
      }
    }
    const bool lit = live_.used[shared_ ? 0 : b] > 0;  // else every byte of x is 0
    const std::size_t c = lit ? listSpikes(x, n, now.data() + at, 0) : 0;
    count_[j & 1][b] = static_cast<std::uint32_t>(c);
    if (j > 0) {
      const std::uint32_t* list = now.data() + at;
      for (std::size_t e = 0; e < c; ++e) {
        spikes[list[e]] = 1;
        trace[list[e]] = alpha_ * static_cast<float>(x[list[e]]);
      }
    }
  }
}

std::size_t ListedInput::copyLists(std::size_t j, std::size_t b0, std::size_t b1, std::uint32_t* index,
                                   std::uint32_t* starts) const {
  std::size_t at = 0;
  for (std::size_t b = b0; b < b1; ++b) {
    starts[b - b0] = static_cast<std::uint32_t>(at);
    const std::size_t c = count(j, b);
    std::memcpy(index + at, list(j, b), c * sizeof(std::uint32_t));
    at += c;
  }
  starts[b1 - b0] = static_cast<std::uint32_t>(at);
  return at;
}

void ListedInput::moveRows(std::size_t j, std::size_t b0, std::size_t b1, std::uint8_t* rows) const {
  for (std::size_t b = b0; b < b1; ++b) {
    std::uint8_t* row = rows + b * perSample_;
    const std::uint32_t* last = list(j - 1, b);
    for (std::size_t e = 0, c = count(j - 1, b); e < c; ++e) row[last[e]] = 0;
    const std::uint32_t* now = list(j, b);
    for (std::size_t e = 0, c = count(j, b); e < c; ++e) row[now[e]] = 1;
  }
}

void addLayerCounts(const PlanLayer& p, const ListedInput* listed, std::size_t j, std::size_t b0, std::size_t b1) {
  if (listed) {
    for (std::size_t b = b0; b < b1; ++b) p.counts[b] += static_cast<double>(listed->count(j, b));
  } else {
    countSpikes(p.layer.spikes + b0 * p.perSample, p.perSample, p.counts + b0, b1 - b0);
  }
}

}  // namespace spiking
