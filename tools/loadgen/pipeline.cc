#include "tools/loadgen/pipeline.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/calendar/calendar.h"
#include "common/server/proto_time.h"
#include "common/server/tls.h"
#include "hotline/v1/assessment.grpc.pb.h"
#include "hotline/v1/intake.grpc.pb.h"
#include "hotline/v1/routing.grpc.pb.h"
#include "tools/loadgen/orders.h"
#include "tools/loadgen/proc_stats.h"

namespace hotline::loadgen {
namespace {

constexpr const char* kProcessNames[] = {"hotline-intake", "hotline-routing",
                                         "hotline-deadline",
                                         "hotline-assessment", "mariadbd"};

// One order's way through the services.
struct Trace {
  std::string ticket_id;
  absl::Time sent, acked;
  absl::Time created;                    // intake's instant (its clock)
  std::optional<absl::Time> dispatched;  // routing
  std::optional<absl::Time> clocked;     // deadline
  std::optional<absl::Time> recorded;    // assessment
};

template <typename Stub, typename Req, typename Resp>
grpc::Status Call(Stub* stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&,
                                               Resp*),
                  const std::string& token, const Req& req, Resp* resp) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  return (stub->*method)(&ctx, req, resp);
}

// The catalogue rules that dispatch the load's categories automatically.
absl::Status UpsertRules(const std::shared_ptr<grpc::Channel>& channel,
                         const std::string& token) {
  auto directory = v1::DirectoryService::NewStub(channel);
  for (const CategoryRoute& r : OrderCategories()) {
    v1::UpsertRuleRequest req;
    // A fixed request id per category: a later run replays the first answer.
    req.set_request_id(absl::StrCat("pipeline-rule-", r.category));
    v1::DispatchRule* rule = req.mutable_rule();
    rule->set_name(absl::StrCat("压测派单目录：", r.category));
    rule->add_category_codes(r.category);
    rule->set_unit_id(r.unit_id);
    rule->set_priority(900);
    rule->set_automatic(true);
    rule->set_active(true);
    v1::UpsertRuleResponse resp;
    grpc::Status s =
        Call(directory.get(), &v1::DirectoryService::Stub::UpsertRule, token,
             req, &resp);
    if (!s.ok() && s.error_code() != grpc::StatusCode::ALREADY_EXISTS) {
      return absl::UnavailableError(
          absl::StrCat("UpsertRule ", r.category, ": ", s.error_message()));
    }
  }
  return absl::OkStatus();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

// Every fact of the run's days from `producers`, paged.
absl::Status ReadFacts(v1::AssessmentService::Stub* assessment,
                       const std::string& token, absl::Time from, absl::Time to,
                       const std::vector<std::string>& producers,
                       const std::function<void(const v1::Fact&)>& each) {
  v1::ListFactsRequest req;
  req.mutable_period()->set_from_date(
      calendar::FormatDate(calendar::LocalDay(from)));
  req.mutable_period()->set_to_date(
      calendar::FormatDate(calendar::LocalDay(to)));
  for (const auto& p : producers) req.add_producers(p);
  req.mutable_page()->set_page_size(500);
  while (true) {
    v1::ListFactsResponse resp;
    grpc::Status s = Call(assessment, &v1::AssessmentService::Stub::ListFacts,
                          token, req, &resp);
    if (!s.ok()) {
      return absl::UnavailableError(
          absl::StrCat("ListFacts: ", s.error_message()));
    }
    for (const v1::Fact& f : resp.facts()) each(f);
    if (resp.page().next_page_token().empty()) return absl::OkStatus();
    req.mutable_page()->set_page_token(resp.page().next_page_token());
  }
}

// The handling clock of one order has been recorded by assessment.
bool Recorded(v1::AssessmentService::Stub* assessment, const std::string& token,
              const std::string& ticket) {
  v1::ListFactsRequest req;
  req.set_ticket_id(ticket);
  req.add_producers("deadline");
  v1::ListFactsResponse resp;
  if (!Call(assessment, &v1::AssessmentService::Stub::ListFacts, token, req,
            &resp)
           .ok()) {
    return false;
  }
  for (const v1::Fact& f : resp.facts()) {
    const auto& e = f.event();
    if (e.has_clock_started() &&
        (e.clock_started().kind() == v1::CLOCK_KIND_HANDLING ||
         e.clock_started().kind() == v1::CLOCK_KIND_LEAD_UNIT)) {
      return true;
    }
  }
  return false;
}

struct Stage {
  const char* name;
  std::vector<double> lag_ms;
};

}  // namespace

int RunPipeline(const PipelineOptions& o) {
  auto creds = o.credentials != nullptr ? o.credentials
                                        : grpc::InsecureChannelCredentials();
  auto intake_ch = server::NewPeerChannel(o.intake, "intake", creds);
  auto routing_ch = server::NewPeerChannel(o.routing, "routing", creds);
  auto assessment_ch =
      server::NewPeerChannel(o.assessment, "assessment", creds);
  auto intake = v1::IntakeService::NewStub(intake_ch);
  auto assessment = v1::AssessmentService::NewStub(assessment_ch);
  const std::string run =
      o.run_id.empty() ? absl::StrCat("pl", absl::ToUnixMillis(absl::Now()))
                       : o.run_id;

  if (absl::Status s = UpsertRules(routing_ch, o.center_token); !s.ok()) {
    std::fprintf(stderr, "catalogue: %s\n", std::string(s.message()).c_str());
    return 2;
  }

  std::vector<std::string> names(std::begin(kProcessNames),
                                 std::end(kProcessNames));
  const std::vector<ProcessRef> procs = o.state_dir.empty()
                                            ? FindProcesses(names)
                                            : ProcessesOfStateDir(o.state_dir);
  std::map<pid_t, ProcessSample> before;
  for (const ProcessRef& p : procs) {
    if (auto s = Sample(p.pid)) before[p.pid] = *s;
  }

  // The load: each client sends on its own schedule (rate / concurrency),
  // catching up at once when a call took longer than its interval.
  std::mutex mu;
  std::vector<Trace> traces;
  std::atomic<int> failed{0}, next{0};
  const absl::Time start = absl::Now();
  const absl::Time stop = start + o.duration;
  const absl::Duration interval =
      o.rate > 0 ? absl::Seconds(o.concurrency / o.rate) : absl::ZeroDuration();
  std::vector<std::thread> clients;
  for (int c = 0; c < o.concurrency; ++c) {
    clients.emplace_back([&, c] {
      absl::Time due = start + interval * c / o.concurrency;
      std::vector<Trace> mine;
      while (true) {
        const absl::Time now = absl::Now();
        if (now >= stop) break;
        if (due > now) absl::SleepFor(due - now);
        if (absl::Now() >= stop) break;
        due += interval;
        const int i = next++;
        v1::CreateTicketRequest req = MakeOrder(run, i);
        v1::CreateTicketResponse resp;
        Trace t;
        t.sent = absl::Now();
        grpc::Status s =
            Call(intake.get(), &v1::IntakeService::Stub::CreateTicket,
                 o.agent_token, req, &resp);
        t.acked = absl::Now();
        if (!s.ok()) {
          if (failed++ < 5) {
            std::fprintf(stderr, "CreateTicket: %d %s\n", s.error_code(),
                         s.error_message().c_str());
          }
          continue;
        }
        t.ticket_id = resp.ticket().ticket_id();
        t.created = FromProto(resp.ticket().created_at());
        mine.push_back(std::move(t));
      }
      std::lock_guard<std::mutex> lock(mu);
      traces.insert(traces.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : clients) t.join();
  const absl::Time load_end = absl::Now();
  std::sort(traces.begin(), traces.end(),
            [](const Trace& a, const Trace& b) { return a.acked < b.acked; });
  const double create_rate =
      traces.size() / absl::ToDoubleSeconds(load_end - start);
  std::printf(
      "load: %zu orders acknowledged, %d failed, in %.1f s: %.1f "
      "orders/s (offered %s at %d clients)\n",
      traces.size(), failed.load(), absl::ToDoubleSeconds(load_end - start),
      create_rate,
      o.rate > 0 ? absl::StrFormat("%.0f/s", o.rate).c_str()
                 : "as fast as possible",
      o.concurrency);
  if (traces.empty()) return 1;

  // Lags are differences of the services' own instants; on a manual clock
  // (deploy/local/run.sh after its sample month) they mean nothing.
  for (const Trace& t : traces) {
    if (absl::AbsDuration(t.created - t.acked) > absl::Minutes(1)) {
      std::fprintf(stderr,
                   "intake recorded %s at %s, acknowledged at %s: the services "
                   "run on a manual clock (HOTLINE_CLOCK=manual); run them on "
                   "the system clock to measure the pipeline\n",
                   t.ticket_id.c_str(), absl::FormatTime(t.created).c_str(),
                   absl::FormatTime(t.acked).c_str());
      return 2;
    }
  }

  // Quiet: the last orders acknowledged have reached assessment.
  const absl::Time settle_deadline = absl::Now() + o.settle_timeout;
  const size_t probe = std::min<size_t>(20, traces.size());
  bool quiet = false;
  while (!quiet && absl::Now() < settle_deadline) {
    quiet = true;
    for (size_t k = traces.size() - probe; k < traces.size() && quiet; ++k) {
      quiet = Recorded(assessment.get(), o.center_token, traces[k].ticket_id);
    }
    if (!quiet) absl::SleepFor(absl::Milliseconds(500));
  }
  std::map<pid_t, ProcessSample> after;
  for (const ProcessRef& p : procs) {
    if (auto s = Sample(p.pid)) after[p.pid] = *s;
  }

  // Each order's instants, from the events. The probe above waited for the
  // last orders only: an earlier one still on its way (an event re-asked
  // after an order check, a retried batch) is read again until every order
  // is through or the settle time is up; its lag then counts as it is.
  std::map<std::string, Trace*> by_ticket;
  for (Trace& t : traces) by_ticket[t.ticket_id] = &t;
  auto through = [](const Trace& t) {
    return t.dispatched && t.clocked && t.recorded;
  };
  std::vector<Trace*> missing;
  while (true) {
    absl::Status read = ReadFacts(
        assessment.get(), o.center_token, start, absl::Now(),
        {"routing", "deadline"}, [&](const v1::Fact& f) {
          auto it = by_ticket.find(f.event().ticket_id());
          if (it == by_ticket.end()) return;
          Trace& t = *it->second;
          const v1::TicketEvent& e = f.event();
          if (e.has_dispatched() && !t.dispatched) {
            t.dispatched = FromProto(e.occurred_at());
          }
          if (e.has_clock_started() && !t.clocked &&
              (e.clock_started().kind() == v1::CLOCK_KIND_HANDLING ||
               e.clock_started().kind() == v1::CLOCK_KIND_LEAD_UNIT)) {
            t.clocked = FromProto(e.occurred_at());
            t.recorded = FromProto(f.recorded_at());
          }
        });
    if (!read.ok()) {
      std::fprintf(stderr, "%s\n", std::string(read.message()).c_str());
      return 1;
    }
    missing.clear();
    for (Trace& t : traces) {
      if (!through(t)) missing.push_back(&t);
    }
    if (missing.empty() || absl::Now() >= settle_deadline) break;
    absl::SleepFor(absl::Seconds(1));
  }
  // Which orders did not arrive, and how far each came.
  for (size_t k = 0; k < missing.size() && k < 10; ++k) {
    const Trace& t = *missing[k];
    std::fprintf(stderr, "not through: %s (acknowledged %s): %s\n",
                 t.ticket_id.c_str(), absl::FormatTime(t.acked).c_str(),
                 !t.dispatched ? "no Dispatched fact (routing)"
                               : "no handling ClockStarted fact (deadline)");
  }
  if (missing.size() > 10) {
    std::fprintf(stderr, "not through: %zu more\n", missing.size() - 10);
  }
  Stage routing{"intake → routing (dispatched)", {}};
  Stage deadline{"routing → deadline (clocks)", {}};
  Stage assess{"deadline → assessment (recorded)", {}};
  Stage total{"end to end", {}};
  int complete = 0;
  absl::Time last = start;
  for (const Trace& t : traces) {
    if (!through(t)) continue;
    ++complete;
    routing.lag_ms.push_back(
        absl::ToDoubleMilliseconds(*t.dispatched - t.acked));
    deadline.lag_ms.push_back(
        absl::ToDoubleMilliseconds(*t.clocked - *t.dispatched));
    assess.lag_ms.push_back(
        absl::ToDoubleMilliseconds(*t.recorded - *t.clocked));
    total.lag_ms.push_back(absl::ToDoubleMilliseconds(*t.recorded - t.acked));
    last = std::max(last, *t.recorded);
  }
  const double e2e_rate =
      complete > 0 ? complete / absl::ToDoubleSeconds(last - start) : 0;
  std::printf(
      "pipeline: %d of %zu orders through all four services; "
      "sustained end-to-end %.1f orders/s (intake took %.1f/s)\n",
      complete, traces.size(), e2e_rate, create_rate);
  std::printf("  %-36s %10s %10s %10s\n", "lag", "p50 ms", "p99 ms", "max ms");
  for (const Stage* s : {&routing, &deadline, &assess, &total}) {
    std::printf("  %-36s %10.1f %10.1f %10.1f\n", s->name,
                Percentile(s->lag_ms, 0.5), Percentile(s->lag_ms, 0.99),
                Percentile(s->lag_ms, 1.0));
  }
  std::printf("  %-20s %8s %14s %12s\n", "process", "pid", "CPU ms/order",
              "peak RSS MB");
  double cpu_total = 0;
  std::vector<std::string> json_procs;
  for (const ProcessRef& p : procs) {
    if (!before.count(p.pid) || !after.count(p.pid)) continue;
    const double cpu = after[p.pid].cpu_seconds - before[p.pid].cpu_seconds;
    const double per_order = complete > 0 ? 1000 * cpu / complete : 0;
    cpu_total += per_order;
    std::printf("  %-20s %8d %14.2f %12.1f\n", p.name.c_str(), p.pid, per_order,
                after[p.pid].peak_rss_mb);
    json_procs.push_back(
        absl::StrFormat("{\"name\":\"%s\",\"pid\":%d,\"cpu_ms_per_order\":%.3f,"
                        "\"peak_rss_mb\":%.1f}",
                        p.name, p.pid, per_order, after[p.pid].peak_rss_mb));
  }
  std::printf("  %-20s %8s %14.2f\n", "whole system", "", cpu_total);
  if (!o.json_out.empty()) {
    std::ofstream out(o.json_out);
    out << absl::StrFormat(
        "{\"orders\":%zu,\"complete\":%d,\"failed\":%d,"
        "\"create_rate\":%.2f,\"e2e_rate\":%.2f,"
        "\"lag_p50_ms\":%.1f,\"lag_p99_ms\":%.1f,\"lag_max_ms\":%.1f,"
        "\"cpu_ms_per_order\":%.3f,\"processes\":[%s]}\n",
        traces.size(), complete, failed.load(), create_rate, e2e_rate,
        Percentile(total.lag_ms, 0.5), Percentile(total.lag_ms, 0.99),
        Percentile(total.lag_ms, 1.0), cpu_total,
        absl::StrJoin(json_procs, ","));
  }
  if (!missing.empty()) {
    std::fprintf(stderr, "the pipeline did not finish within %s\n",
                 absl::FormatDuration(o.settle_timeout).c_str());
  }
  return failed > 0 || complete < static_cast<int>(traces.size()) ? 1 : 0;
}

}  // namespace hotline::loadgen
