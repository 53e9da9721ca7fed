// The benchmark's measure of the thread pool's fork/join: parallelFor over
// one task per thread, each task waiting until every task has started (so
// each thread of the pool must take part), timed call by call. npm run bench
// prints it back to back (workers still spinning from the last call: a
// run's stages) and with a pause between calls longer than the workers' spin
// (workers asleep: the first stage of a run).
#pragma once

#include <chrono>
#include <cstddef>

namespace spiking {

struct ForkJoinTiming {
  double medianMicros;  // the median call, microseconds
  double workerShare;   // the fraction of the tasks that workers (not the caller) ran
};

// `calls` parallelFor calls on the pool as it is now, `pause` of sleep
// before each (0: back to back). A task gives up waiting for the others
// after kForkJoinPatience (a pool whose workers are all busy elsewhere).
constexpr std::chrono::milliseconds kForkJoinPatience{20};
ForkJoinTiming forkJoinProbe(std::size_t calls, std::chrono::microseconds pause);

}  // namespace spiking
