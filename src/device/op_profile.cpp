#include "atman/op_profile.hpp"

#include <torch/csrc/autograd/profiler_kineto.h>

#include <algorithm>
#include <map>
#include <set>
#include <type_traits>
#include <utility>

#include "atman/device.hpp"

namespace atman {
namespace {

namespace profiler = torch::autograd::profiler;
using torch::profiler::impl::ActivityType;
using torch::profiler::impl::ProfilerConfig;
using torch::profiler::impl::ProfilerState;

// libtorch 2.1 reports nanoseconds (startNs, durationNs); 1.13 microseconds (startUs, durationUs).
template <typename Event, typename = void>
struct ReportsNanoseconds : std::false_type {};
template <typename Event>
struct ReportsNanoseconds<Event, std::void_t<decltype(std::declval<const Event&>().durationNs())>>
    : std::true_type {};

template <typename Event>
ProfiledEvent profiled(const Event& e) {
  ProfiledEvent p;
  p.name = e.name();
  p.thread = e.startThreadId();
  if constexpr (ReportsNanoseconds<Event>::value) {
    p.start_ns = static_cast<int64_t>(e.startNs());
    p.duration_ns = static_cast<int64_t>(e.durationNs());
  } else {
    p.start_ns = static_cast<int64_t>(e.startUs()) * 1000;
    p.duration_ns = static_cast<int64_t>(e.durationUs()) * 1000;
  }
  return p;
}

std::vector<OpTime> sorted(const std::map<std::string, OpTime>& by_name) {
  std::vector<OpTime> ops;
  for (const auto& entry : by_name) ops.push_back(entry.second);
  std::stable_sort(ops.begin(), ops.end(), [](const OpTime& a, const OpTime& b) {
    return a.milliseconds > b.milliseconds;
  });
  return ops;
}

double total(const std::vector<OpTime>& ops) {
  double sum = 0;
  for (const auto& op : ops) sum += op.milliseconds;
  return sum;
}

}  // namespace

std::vector<OpTime> self_times(std::vector<ProfiledEvent> events) {
  // Per thread in start order, an enclosing event before the events inside it.
  std::stable_sort(events.begin(), events.end(),
                   [](const ProfiledEvent& a, const ProfiledEvent& b) {
                     if (a.thread != b.thread) return a.thread < b.thread;
                     if (a.start_ns != b.start_ns) return a.start_ns < b.start_ns;
                     return a.duration_ns > b.duration_ns;
                   });
  std::vector<int64_t> self(events.size());
  std::vector<size_t> open;  // the events enclosing the current one, innermost last
  for (size_t i = 0; i < events.size(); ++i) {
    const ProfiledEvent& e = events[i];
    self[i] = e.duration_ns;
    while (!open.empty()) {
      const ProfiledEvent& outer = events[open.back()];
      if (outer.thread == e.thread && e.start_ns < outer.start_ns + outer.duration_ns) break;
      open.pop_back();
    }
    if (!open.empty()) self[open.back()] -= e.duration_ns;
    open.push_back(i);
  }
  // Each event now counts its own time only, summed by name as non-nesting events are.
  for (size_t i = 0; i < events.size(); ++i) events[i].duration_ns = std::max<int64_t>(0, self[i]);
  return summed_times(events);
}

std::vector<OpTime> summed_times(const std::vector<ProfiledEvent>& events) {
  std::map<std::string, OpTime> by_name;
  for (const auto& e : events) {
    OpTime& op = by_name[e.name];
    op.name = e.name;
    op.milliseconds += static_cast<double>(e.duration_ns) / 1e6;
    op.calls += 1;
  }
  return sorted(by_name);
}

OpProfile profile_ops(const std::function<void()>& work, const torch::Device& device) {
  const bool cuda = device.is_cuda();
  // On a GPU the kernels alone: recording every host operator too would slow the work down more.
  const std::set<ActivityType> activities{cuda ? ActivityType::CUDA : ActivityType::CPU};
  const ProfilerConfig config(ProfilerState::KINETO);
  profiler::prepareProfiler(config, activities);
  profiler::enableProfiler(config, activities);
  try {
    work();
    synchronize(device);  // every kernel finished, so that the profiler has them all
  } catch (...) {
    profiler::disableProfiler();
    throw;
  }
  const auto result = profiler::disableProfiler();

  std::vector<ProfiledEvent> host, kernels;
  for (const auto& e : result->events()) {
    (e.deviceType() == c10::DeviceType::CUDA ? kernels : host).push_back(profiled(e));
  }
  OpProfile profile;
  if (cuda) {
    profile.what = kernels.empty()
                       ? "no cuda kernels recorded (this libtorch's profiler lacks Kineto or CUPTI)"
                       : "cuda kernels";
    profile.ops = summed_times(kernels);
  } else {
    profile.what = "cpu operators (self time)";
    profile.ops = self_times(std::move(host));
  }
  profile.total_milliseconds = total(profile.ops);
  return profile;
}

}  // namespace atman
