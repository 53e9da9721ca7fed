#include "poisson_live.hpp"

namespace spiking {

void listLive(const double* thresholds, std::size_t n, std::size_t lists, BernoulliLive& live) {
  live.block.clear();
  for (int w = 0; w < 4; ++w) {
    live.limit[w].clear();
    live.on[w].clear();
  }
  live.start.assign(1, 0);
  live.used.clear();
  auto add = [&live](std::uint32_t block, const std::uint32_t* limit, const std::uint32_t* on) {
    live.block.push_back(block);
    for (int w = 0; w < 4; ++w) {
      live.limit[w].push_back(limit[w]);
      live.on[w].push_back(on[w]);
    }
  };
  const std::uint32_t none[4] = {0, 0, 0, 0};
  for (std::size_t l = 0; l < lists; ++l) {
    const double* p = thresholds + l * n;
    for (std::size_t first = 0; first < n; first += 4) {
      std::uint32_t limit[4] = {0, 0, 0, 0}, on[4] = {0, 0, 0, 0};
      for (std::size_t w = 0; w < 4 && first + w < n; ++w) kernel::wordLimit(p[first + w], limit[w], on[w]);
      if ((on[0] | on[1] | on[2] | on[3]) != 0) add(static_cast<std::uint32_t>(first / 4), limit, on);
    }
    live.used.push_back(live.block.size() - live.start.back());
    while (live.block.size() % BernoulliLive::kPad != 0) add(0, none, none);
    live.start.push_back(live.block.size());
  }
}

}  // namespace spiking
