#include "poisson_live.hpp"

namespace spiking {

void listLive(const double* thresholds, std::size_t n, std::size_t lists, BernoulliLive& live) {
  live.block.clear();
  live.limit.clear();
  live.on.clear();
  live.start.assign(1, 0);
  for (std::size_t l = 0; l < lists; ++l) {
    const double* p = thresholds + l * n;
    for (std::size_t first = 0; first < n; first += 4) {
      std::uint32_t limit[4] = {0, 0, 0, 0}, on[4] = {0, 0, 0, 0};
      for (std::size_t w = 0; w < 4 && first + w < n; ++w) kernel::wordLimit(p[first + w], limit[w], on[w]);
      if ((on[0] | on[1] | on[2] | on[3]) == 0) continue;
      live.block.push_back(static_cast<std::uint32_t>(first / 4));
      live.limit.insert(live.limit.end(), limit, limit + 4);
      live.on.insert(live.on.end(), on, on + 4);
    }
    live.start.push_back(live.block.size());
  }
}

}  // namespace spiking
