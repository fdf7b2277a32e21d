// ~720 lines: one gRPC handler per RPC of AssessmentService (twelve), each
// wire checks -> core call -> status, plus the service's wiring; the checks
// themselves are request_checks.h.

#include "services/assessment/edge/assessment_service.h"

#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/calendar/calendar.h"
#include "common/config/config.h"
#include "common/directory/directory_follower.h"
#include "common/directory/mysql_directory_store.h"
#include "common/directory/routing_directory_source.h"
#include "common/server/actor.h"
#include "common/server/call_gate.h"
#include "common/server/idempotency.h"
#include "common/server/paging.h"
#include "common/server/proto_digest.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "hotline/v1/assessment.grpc.pb.h"
#include "hotline_assessment_SchemaMigrations.h"
#include "services/assessment/core/assessment_core.h"
#include "services/assessment/core/monthly_reports.h"
#include "services/assessment/domain/explain.h"
#include "services/assessment/domain/report.h"
#include "services/assessment/edge/request_checks.h"
#include "services/assessment/store/mysql_assessment_store.h"

ABSL_FLAG(std::string, producer_batches, "",
          "one_at_a_time (default) | per_producer: the three producers' event "
          "batches applied one after another, or each producer's beside the "
          "others' (HOTLINE_ASSESSMENT_PRODUCER_BATCHES)");
ABSL_FLAG(std::string, rebuild_chunk, "",
          "how many facts RebuildRollups reads and folds at a time, a whole "
          "number from 1 (default 10000; HOTLINE_ASSESSMENT_REBUILD_CHUNK)");

namespace hotline::assessment {
namespace {

using auth::Principal;
using auth::Role;

class AssessmentServiceImpl final : public v1::AssessmentService::Service {
 public:
  // Not owned; both must outlive the service.
  AssessmentServiceImpl(runtime::Context& ctx, AssessmentCore* core)
      : ctx_(ctx), core_(core) {}

  grpc::Status RecordEvaluation(grpc::ServerContext* gctx,
                                const v1::RecordEvaluationRequest* req,
                                v1::RecordEvaluationResponse* resp) override {
    return server::Handle(
        gate(), gctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(auth::RequireRole(who, {Role::kEvaluator}));
          if (!ValidId(req->request_id())) {
            return absl::InvalidArgumentError(
                "request_id: required, 1–64 chars of [A-Za-z0-9._:-]");
          }
          if (!ValidId(req->ticket_id())) {
            return absl::InvalidArgumentError(
                "ticket_id: required, 1–64 chars of [A-Za-z0-9._:-]");
          }
          if (!v1::Satisfaction_IsValid(req->satisfaction())) {
            return absl::InvalidArgumentError("satisfaction: unknown value");
          }
          ASSIGN_OR_RETURN(const bool reached, CallbackReached(*req));
          if (reached && req->satisfaction() == v1::SATISFACTION_UNSPECIFIED) {
            return absl::InvalidArgumentError(
                "satisfaction: required when the caller was reached");
          }
          if (!reached && req->satisfaction() != v1::SATISFACTION_UNSPECIFIED) {
            return absl::InvalidArgumentError(
                "satisfaction: must be unspecified when the caller was not "
                "reached");
          }
          if (!reached && req->resolved()) {
            return absl::InvalidArgumentError(
                "resolved: must be false when the caller was not reached");
          }
          if (req->comment().size() > 2048) {
            return absl::InvalidArgumentError(
                "comment: longer than 2048 bytes");
          }
          if (!ValidText(req->comment())) {
            return absl::InvalidArgumentError(
                "comment: invalid UTF-8 or control characters");
          }
          const absl::Time now = ctx_.clock.Now();
          absl::Time at = now;
          if (req->has_evaluated_at()) {
            ASSIGN_OR_RETURN(
                at, ParseTimestampField("evaluated_at", req->evaluated_at()));
            if (at > now) {
              return absl::InvalidArgumentError("evaluated_at: in the future");
            }
          }
          EvaluationRequest in;
          in.request_id = req->request_id();
          in.request_hash = Fnv64(server::DeterministicBytes(*req));
          in.ticket_id = req->ticket_id();
          in.answer.reached = reached;
          in.answer.satisfaction = req->satisfaction();
          in.answer.resolved = req->resolved();
          in.answer.comment = req->comment();
          in.answer.evaluated_at = at;
          in.answer.evaluator = server::ActorOf(who);
          ASSIGN_OR_RETURN(*resp->mutable_evaluation(),
                           core_->RecordEvaluation(in));
          return absl::OkStatus();
        });
  }

  grpc::Status UnitScorecard(grpc::ServerContext* gctx,
                             const v1::UnitScorecardRequest* req,
                             v1::UnitScorecardResponse* resp) override {
    return server::Handle(
        gate(), gctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kAuditor,
                                      Role::kUnitStaff, Role::kUnitLead}));
          if (!ValidUnitId(req->unit_id())) {
            return absl::InvalidArgumentError("unit_id: required, a unit id");
          }
          ASSIGN_OR_RETURN(DateRange range,
                           ParsePeriod("period", req->period()));
          RETURN_IF_ERROR(
              CheckRequestType("request_type", req->request_type()));
          ASSIGN_OR_RETURN(UnitTree tree, core_->Tree());
          if (!tree.Has(req->unit_id())) {
            return absl::NotFoundError(
                absl::StrCat("unit_id: ", req->unit_id(), " has no facts"));
          }
          if (who.IsUnitRole() &&
              !tree.InSubtree(req->unit_id(), who.unit_id)) {
            return absl::PermissionDeniedError(
                absl::StrCat("unit ", req->unit_id(),
                             " is outside the subtree of ", who.unit_id));
          }
          ASSIGN_OR_RETURN(*resp->mutable_scorecard(),
                           core_->analytics().Scorecard(
                               tree, req->unit_id(), req->period(), range,
                               req->include_subtree(), req->request_type(),
                               ctx_.clock.Now()));
          return SetFactsThrough(
              resp->mutable_scorecard()->mutable_facts_through());
        });
  }

  grpc::Status Ranking(grpc::ServerContext* gctx, const v1::RankingRequest* req,
                       v1::RankingResponse* resp) override {
    return server::Handle(
        gate(), gctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(auth::RequireRole(
              who, {Role::kCenterStaff, Role::kAuditor, Role::kUnitLead}));
          ASSIGN_OR_RETURN(DateRange range,
                           ParsePeriod("period", req->period()));
          if (req->peer_kind() != v1::UNIT_KIND_TOWN_STREET &&
              req->peer_kind() != v1::UNIT_KIND_DEPARTMENT) {
            return absl::InvalidArgumentError(
                "peer_kind: must be TOWN_STREET or DEPARTMENT");
          }
          RETURN_IF_ERROR(
              CheckRequestType("request_type", req->request_type()));
          ASSIGN_OR_RETURN(UnitTree tree, core_->Tree());
          ASSIGN_OR_RETURN(auto entries,
                           core_->analytics().Ranking(
                               tree, range, req->peer_kind(),
                               req->request_type(), ctx_.clock.Now()));
          for (auto& e : entries) *resp->add_entries() = std::move(e);
          resp->set_weights_version(core_->analytics().weights().version);
          return SetFactsThrough(resp->mutable_facts_through());
        });
  }

  grpc::Status AccountabilityCandidates(
      grpc::ServerContext* gctx, const v1::AccountabilityCandidatesRequest* req,
      v1::AccountabilityCandidatesResponse* resp) override {
    return server::Handle(
        gate(), gctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kAuditor}));
          ASSIGN_OR_RETURN(DateRange range,
                           ParsePeriod("period", req->period()));
          if (!req->unit_id().empty() && !ValidUnitId(req->unit_id())) {
            return absl::InvalidArgumentError("unit_id: not a unit id");
          }
          std::set<v1::AccountabilityKind> kinds;
          for (int i = 0; i < req->kinds_size(); ++i) {
            const int k = req->kinds(i);
            if (!v1::AccountabilityKind_IsValid(k) ||
                k == v1::ACCOUNTABILITY_KIND_UNSPECIFIED) {
              return absl::InvalidArgumentError(
                  absl::StrCat("kinds[", i, "]: unknown value"));
            }
            kinds.insert(static_cast<v1::AccountabilityKind>(k));
          }
          ASSIGN_OR_RETURN(
              paging::OffsetPage page,
              paging::OffsetPage::Parse(
                  req->page(),
                  paging::Query("assessment.AccountabilityCandidates", *req)));
          ASSIGN_OR_RETURN(UnitTree tree, core_->Tree());
          ASSIGN_OR_RETURN(auto all, core_->analytics().Candidates(
                                         tree, range, req->unit_id(), kinds));
          for (size_t i = page.offset();
               i < all.size() &&
               i < static_cast<size_t>(page.offset() + page.size());
               ++i) {
            *resp->add_candidates() = all[i];
          }
          resp->mutable_page()->set_next_page_token(
              page.NextOfTotal(all.size()));
          return absl::OkStatus();
        });
  }

  grpc::Status Report(grpc::ServerContext* gctx, const v1::ReportRequest* req,
                      v1::ReportResponse* resp) override {
    return server::Handle(
        gate(), gctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kAuditor}));
          ASSIGN_OR_RETURN(DateRange range,
                           ParsePeriod("period", req->period()));
          if (req->formats_size() < 1 || req->formats_size() > 3) {
            return absl::InvalidArgumentError("formats: 1–3 distinct formats");
          }
          std::set<int> formats;
          for (int i = 0; i < req->formats_size(); ++i) {
            const int f = req->formats(i);
            if (!v1::ReportFormat_IsValid(f) || f == 0) {
              return absl::InvalidArgumentError(
                  absl::StrCat("formats[", i, "]: unknown value"));
            }
            if (!formats.insert(f).second) {
              return absl::InvalidArgumentError(
                  absl::StrCat("formats[", i, "]: repeated"));
            }
          }
          if (req->title().size() > 128 || !ValidText(req->title()) ||
              req->title().find('\n') != std::string::npos) {
            return absl::InvalidArgumentError(
                "title: at most 128 bytes, one line of valid UTF-8");
          }
          std::string title = req->title();
          if (title.empty()) title = DefaultReportTitle(range);
          ASSIGN_OR_RETURN(UnitTree tree, core_->Tree());
          std::vector<v1::ReportFormat> wanted;
          for (int f : req->formats()) {
            wanted.push_back(static_cast<v1::ReportFormat>(f));
          }
          ASSIGN_OR_RETURN(
              *resp, RenderReport(core_->analytics(), tree, range,
                                  req->period().granularity(), title, wanted,
                                  ctx_.clock.Now()));
          return SetFactsThrough(resp->mutable_facts_through());
        });
  }

  grpc::Status HotTopics(grpc::ServerContext* gctx,
                         const v1::HotTopicsRequest* req,
                         v1::HotTopicsResponse* resp) override {
    return server::Handle(
        gate(), gctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kAuditor}));
          Analytics::TopicQuery q;
          ASSIGN_OR_RETURN(q.range, ParsePeriod("period", req->period()));
          if (req->category_depth() < 0 || req->category_depth() > 16) {
            return absl::InvalidArgumentError("category_depth: must be 0–16");
          }
          if (!req->category_code().empty() &&
              !ValidCode(req->category_code(), 64)) {
            return absl::InvalidArgumentError("category_code: not a category");
          }
          if (!req->area_code().empty() && !ValidUnitId(req->area_code())) {
            return absl::InvalidArgumentError("area_code: not a unit id");
          }
          if (req->min_count() < 0) {
            return absl::InvalidArgumentError("min_count: must be ≥ 0");
          }
          if (req->limit() < 0 || req->limit() > 500) {
            return absl::InvalidArgumentError("limit: must be 1–500 (0 = 50)");
          }
          q.category_depth = req->category_depth();
          q.category_code = req->category_code();
          q.area_code = req->area_code();
          q.min_count = req->min_count() == 0 ? 1 : req->min_count();
          q.limit = req->limit() == 0 ? 50 : req->limit();
          ASSIGN_OR_RETURN(auto topics, core_->analytics().HotTopics(q));
          ASSIGN_OR_RETURN(UnitTree tree, core_->Tree());
          NameTopics(tree, &topics);
          for (auto& t : topics) *resp->add_topics() = std::move(t);
          const DateRange prev = PreviousRange(q.range);
          resp->mutable_previous_period()->set_from_date(
              calendar::FormatDate(prev.from));
          resp->mutable_previous_period()->set_to_date(
              calendar::FormatDate(prev.to));
          return absl::OkStatus();
        });
  }

  grpc::Status ListFacts(grpc::ServerContext* gctx,
                         const v1::ListFactsRequest* req,
                         v1::ListFactsResponse* resp) override {
    return server::Handle(
        gate(), gctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(auth::RequireRole(
              who, {Role::kCenterStaff, Role::kAuditor, Role::kService}));
          if (req->ticket_id().empty() && req->unit_id().empty() &&
              !req->has_period()) {
            return absl::InvalidArgumentError(
                "ticket_id: at least one of ticket_id, unit_id, period is "
                "required");
          }
          FactFilter f;
          if (!req->ticket_id().empty()) {
            if (!ValidId(req->ticket_id())) {
              return absl::InvalidArgumentError("ticket_id: not an id");
            }
            f.ticket_id = req->ticket_id();
          }
          if (req->has_period()) {
            ASSIGN_OR_RETURN(f.range, ParsePeriod("period", req->period()));
          }
          for (int i = 0; i < req->producers_size(); ++i) {
            const std::string& p = req->producers(i);
            if (p != "intake" && p != "routing" && p != "deadline" &&
                p != "assessment") {
              return absl::InvalidArgumentError(
                  absl::StrCat("producers[", i, "]: unknown producer"));
            }
            f.producers.push_back(p);
          }
          ASSIGN_OR_RETURN(int size, paging::PageSize(req->page()));
          if (!req->unit_id().empty()) {
            if (!ValidUnitId(req->unit_id())) {
              return absl::InvalidArgumentError("unit_id: not a unit id");
            }
            if (req->unit_id() != kCenterUnitId) {
              ASSIGN_OR_RETURN(UnitTree tree, core_->Tree());
              f.unit_ids = tree.Subtree(req->unit_id());
              if (f.unit_ids.empty()) f.unit_ids.push_back(req->unit_id());
            }
          }
          // The token: the last fact of the previous page, "micros\nevent".
          const paging::Query query("assessment.ListFacts", *req);
          ASSIGN_OR_RETURN(std::string after, query.Position(req->page()));
          if (!after.empty()) {
            std::vector<std::string> parts =
                absl::StrSplit(after, absl::MaxSplits('\n', 1));
            int64_t micros = 0;
            if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &micros)) {
              return absl::InvalidArgumentError(
                  "page.page_token: not a token of this query");
            }
            f.after_at = absl::FromUnixMicros(micros);
            f.after_event_id = parts[1];
          }
          f.limit = size + 1;
          ASSIGN_OR_RETURN(auto facts, core_->queries().ListFacts(f));
          const bool more = static_cast<int>(facts.size()) > size;
          if (more) facts.resize(size);
          for (const auto& s : facts) {
            auto* out = resp->add_facts();
            out->mutable_event()->ParseFromString(s.event_bytes);
            out->set_unit_id(s.record.unit_id);
            *out->mutable_recorded_at() = ToProto(s.recorded_at);
          }
          if (more) {
            const auto& last = facts.back().record;
            resp->mutable_page()->set_next_page_token(query.Token(absl::StrCat(
                absl::ToUnixMicros(last.occurred_at), "\n", last.event_id)));
          }
          return absl::OkStatus();
        });
  }

  grpc::Status RebuildRollups(grpc::ServerContext* gctx,
                              const v1::RebuildRollupsRequest* req,
                              v1::RebuildRollupsResponse* resp) override {
    return server::Handle(
        gate(), gctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kService}));
          if (!ValidId(req->request_id())) {
            return absl::InvalidArgumentError(
                "request_id: required, 1–64 chars of [A-Za-z0-9._:-]");
          }
          std::optional<DateRange> range;
          if (req->has_period()) {
            ASSIGN_OR_RETURN(range, ParsePeriod("period", req->period()));
          }
          return core_->RebuildRollups(req->request_id(),
                                       server::RequestHash(*req), range,
                                       req->verify_only(), resp);
        });
  }

  grpc::Status ExplainFigure(grpc::ServerContext* gctx,
                             const v1::ExplainFigureRequest* req,
                             v1::ExplainFigureResponse* resp) override {
    return server::Handle(
        gate(), gctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kAuditor,
                                      Role::kUnitStaff, Role::kUnitLead}));
          if (!ValidUnitId(req->unit_id())) {
            return absl::InvalidArgumentError("unit_id: required, a unit id");
          }
          ASSIGN_OR_RETURN(DateRange range,
                           ParsePeriod("period", req->period()));
          if (req->indicator().empty()) {
            return absl::InvalidArgumentError(
                "indicator: required, a field name of Indicators");
          }
          if (!IsExplainable(req->indicator())) {
            return absl::InvalidArgumentError(
                absl::StrCat("indicator: ", req->indicator().substr(0, 64),
                             " is not a field of Indicators"));
          }
          RETURN_IF_ERROR(
              CheckRequestType("request_type", req->request_type()));
          ASSIGN_OR_RETURN(
              paging::OffsetPage page,
              paging::OffsetPage::Parse(
                  req->page(),
                  paging::Query("assessment.ExplainFigure", *req)));
          ASSIGN_OR_RETURN(UnitTree tree, core_->Tree());
          if (!tree.Has(req->unit_id())) {
            return absl::NotFoundError(
                absl::StrCat("unit_id: ", req->unit_id(), " has no facts"));
          }
          if (who.IsUnitRole() &&
              !tree.InSubtree(req->unit_id(), who.unit_id)) {
            return absl::PermissionDeniedError(
                absl::StrCat("unit ", req->unit_id(),
                             " is outside the subtree of ", who.unit_id));
          }
          ASSIGN_OR_RETURN(
              Figure figure,
              core_->analytics().Explain(
                  tree, req->unit_id(), range, req->include_subtree(),
                  req->indicator(), req->request_type(), ctx_.clock.Now()));
          resp->set_indicator(req->indicator());
          resp->set_definition(IndicatorDefinition(req->indicator()));
          *resp->mutable_value() = figure.value;
          for (size_t i = page.offset();
               i < figure.items.size() &&
               i < static_cast<size_t>(page.offset() + page.size());
               ++i) {
            *resp->add_items() = std::move(figure.items[i]);
          }
          resp->mutable_page()->set_next_page_token(
              page.NextOfTotal(figure.items.size()));
          return absl::OkStatus();
        });
  }

  grpc::Status ListStoredReports(grpc::ServerContext* gctx,
                                 const v1::ListStoredReportsRequest* req,
                                 v1::ListStoredReportsResponse* resp) override {
    return server::Handle(
        gate(), gctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kAuditor}));
          std::string from, to;
          if (!req->from_month().empty()) {
            ASSIGN_OR_RETURN(auto m,
                             ParseMonth("from_month", req->from_month()));
            from = FormatMonth(m);
          }
          if (!req->to_month().empty()) {
            ASSIGN_OR_RETURN(auto m, ParseMonth("to_month", req->to_month()));
            to = FormatMonth(m);
          }
          if (!from.empty() && !to.empty() && from > to) {
            return absl::InvalidArgumentError("to_month: before from_month");
          }
          ASSIGN_OR_RETURN(int size, paging::PageSize(req->page()));
          // The token: the last month of the previous page.
          const paging::Query query("assessment.ListStoredReports", *req);
          ASSIGN_OR_RETURN(std::string before, query.Position(req->page()));
          if (!before.empty() && !ParseMonth("page.page_token", before).ok()) {
            return absl::InvalidArgumentError(
                "page.page_token: not a token of this query");
          }
          ASSIGN_OR_RETURN(auto rows, core_->stored_reports().ListStoredReports(
                                          from, to, before, size + 1));
          for (size_t i = 0; i < rows.size() && i < static_cast<size_t>(size);
               ++i) {
            StoredReportToProto(rows[i], resp->add_reports());
          }
          if (rows.size() > static_cast<size_t>(size)) {
            resp->mutable_page()->set_next_page_token(
                query.Token(rows[size - 1].month));
          }
          return absl::OkStatus();
        });
  }

  grpc::Status GetStoredReport(grpc::ServerContext* gctx,
                               const v1::GetStoredReportRequest* req,
                               v1::GetStoredReportResponse* resp) override {
    return server::Handle(
        gate(), gctx, [&](const Principal& who) -> absl::Status {
          RETURN_IF_ERROR(
              auth::RequireRole(who, {Role::kCenterStaff, Role::kAuditor}));
          if (req->month().empty()) {
            return absl::InvalidArgumentError("month: required (YYYY-MM)");
          }
          ASSIGN_OR_RETURN(absl::CivilMonth month,
                           ParseMonth("month", req->month()));
          std::set<int> formats;
          for (int i = 0; i < req->formats_size(); ++i) {
            const int f = req->formats(i);
            if (!v1::ReportFormat_IsValid(f) || f == 0) {
              return absl::InvalidArgumentError(
                  absl::StrCat("formats[", i, "]: unknown value"));
            }
            if (!formats.insert(f).second) {
              return absl::InvalidArgumentError(
                  absl::StrCat("formats[", i, "]: repeated"));
            }
          }
          ASSIGN_OR_RETURN(auto row, core_->stored_reports().GetStoredReport(
                                         FormatMonth(month)));
          if (!row.has_value()) {
            return absl::NotFoundError(absl::StrCat(
                "month: no bulletin kept for ", FormatMonth(month),
                " (kept once the month is closed, 02:00 on the 1st of the "
                "next month)"));
          }
          v1::ReportResponse stored;
          if (!stored.ParseFromString(row->response)) {
            return absl::InternalError("stored report: unreadable");
          }
          v1::StoredReport* out = resp->mutable_report();
          StoredReportToProto(*row, out);
          for (const auto& d : stored.documents()) {
            if (formats.empty() || formats.count(d.format())) {
              *out->add_documents() = d;
            }
          }
          return absl::OkStatus();
        });
  }

 private:
  static void StoredReportToProto(const StoredReportRow& r,
                                  v1::StoredReport* out) {
    out->set_month(r.month);
    out->mutable_period()->set_from_date(calendar::FormatDate(r.from_date));
    out->mutable_period()->set_to_date(calendar::FormatDate(r.to_date));
    out->mutable_period()->set_granularity(v1::GRANULARITY_MONTH);
    out->set_title(r.title);
    *out->mutable_generated_at() = ToProto(r.generated_at);
    if (r.facts_through.has_value()) {
      *out->mutable_facts_through() = ToProto(*r.facts_through);
    }
    out->set_document_count(r.documents);
    for (v1::ReportFormat f : kStoredReportFormats) out->add_formats(f);
  }

  const server::CallGate& gate() { return ctx_.host.gate(); }

 private:
  absl::Status SetFactsThrough(google::protobuf::Timestamp* ts) {
    ASSIGN_OR_RETURN(auto t, core_->FactsThrough());
    if (t.has_value()) *ts = ToProto(*t);
    return absl::OkStatus();
  }

  runtime::Context& ctx_;
  AssessmentCore* core_;
};

// How often assessment reads routing's directory, and how soon again for a
// unit its copy lacks (a unit an event named that the directory did not have
// yet when last read).
constexpr absl::Duration kDirectoryRefresh = absl::Minutes(5);
constexpr absl::Duration kDirectoryMinGap = absl::Seconds(1);

// The service's parts wired: store, the directory's copy, core (with its
// inbox and bulletin thread), the gRPC edge and the event sink.
class AssessmentComponent final : public runtime::Component {
 public:
  // `routing` null: no routing to follow; the stored copy of the directory
  // stays (units without it are shown by id, the tree from events alone).
  AssessmentComponent(runtime::Context& ctx,
                      std::unique_ptr<directory::DirectorySource> routing,
                      outbox::BatchConcurrency producer_batches,
                      int rebuild_chunk)
      : store_(&ctx.pool),
        directory_store_(&ctx.pool),
        follower_(std::move(routing), &directory_store_,
                  {kDirectoryRefresh, kDirectoryMinGap}),
        core_(&ctx.pool, &store_, &ctx.outbox, &ctx.clock, &follower_,
              rebuild_chunk),
        service_(ctx, &core_) {
    // Its batches lock every row they share in key order (AssessmentCore's
    // batch), so the three producers' may also go side by side.
    ctx.ServeEventBatches([this] { return core_.NewEventBatch(); },
                          producer_batches);
    ctx.host.AddService(&service_, "hotline.v1.AssessmentService");
  }

  // The stored copy, then routing's (routing down or empty: the stored copy
  // serves until it answers).
  absl::Status Prepare() override { return follower_.Prime(); }
  void Start() override {
    follower_.Start();
    core_.Start();
  }
  void Stop() override {
    core_.Stop();
    follower_.Stop();
  }

 private:
  MysqlAssessmentStore store_;
  directory::MysqlDirectoryStore directory_store_;
  directory::DirectoryFollower follower_;
  AssessmentCore core_;
  AssessmentServiceImpl service_;
};

}  // namespace

runtime::ServiceDefinition Definition() {
  runtime::ServiceDefinition d;
  d.name = "assessment";
  // The shared copy of the directory (common/directory), then assessment's
  // own.
  d.migrations = &directory::WithDirectoryCopy<SchemaMigrations>;
  // Every fact of an order's life, whoever produced it.
  d.consumes = {v1::TicketEvent::kTicketCreated,
                v1::TicketEvent::kTicketClosedAtIntake,
                v1::TicketEvent::kTicketMerged,
                v1::TicketEvent::kTicketUnmerged,
                v1::TicketEvent::kDispatched,
                v1::TicketEvent::kAccepted,
                v1::TicketEvent::kForwarded,
                v1::TicketEvent::kReturned,
                v1::TicketEvent::kDisputeRaised,
                v1::TicketEvent::kDisputeDecided,
                v1::TicketEvent::kCoUnitsAdded,
                v1::TicketEvent::kCoOpinionSubmitted,
                v1::TicketEvent::kReplied,
                v1::TicketEvent::kReviewed,
                v1::TicketEvent::kRedispatched,
                v1::TicketEvent::kClosed,
                v1::TicketEvent::kCoUnitReleased,
                v1::TicketEvent::kClockStarted,
                v1::TicketEvent::kClockStopped,
                v1::TicketEvent::kClockMoved,
                v1::TicketEvent::kExtensionRequested,
                v1::TicketEvent::kExtensionDecided,
                v1::TicketEvent::kLadderStepFired,
                v1::TicketEvent::kClockOverdue,
                v1::TicketEvent::kDutyGap};
  d.build = [](runtime::Context& ctx)
      -> absl::StatusOr<std::unique_ptr<runtime::Component>> {
    if (DefaultWeights().weights.empty()) {
      return absl::InvalidArgumentError(
          "policy/weights.txt: invalid (embedded at build time)");
    }
    // Routing's directory (--routing / HOTLINE_ROUTING, replicas a|b, as
    // intake reads it) for unit names, kinds and the tree in scorecards,
    // rankings and reports; without it the stored copy, else units by id
    // and the tree from events alone.
    ASSIGN_OR_RETURN(std::unique_ptr<directory::DirectorySource> source,
                     directory::SourceFromConfig(config::ProcessEnv(),
                                                 ctx.channel_credentials,
                                                 ctx.config.service_token));
    // One batch at a time unless asked: on a 2-core machine the producers'
    // batches side by side cost more CPU than they save in waiting
    // (docs/performance.md, runs L–N).
    ASSIGN_OR_RETURN(
        std::string batches,
        config::ResolveSetting(
            {"producer_batches", "HOTLINE_ASSESSMENT_PRODUCER_BATCHES", false,
             "one_at_a_time", "one_at_a_time | per_producer"},
            absl::GetFlag(FLAGS_producer_batches), config::ProcessEnv()));
    outbox::BatchConcurrency producer_batches;
    if (batches == "one_at_a_time") {
      producer_batches = outbox::BatchConcurrency::kOneAtATime;
    } else if (batches == "per_producer") {
      producer_batches = outbox::BatchConcurrency::kPerProducer;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(
          "--producer_batches (HOTLINE_ASSESSMENT_PRODUCER_BATCHES): "
          "one_at_a_time or per_producer, got \"",
          batches, "\""));
    }
    ASSIGN_OR_RETURN(
        std::string chunk_text,
        config::ResolveSetting(
            {"rebuild_chunk", "HOTLINE_ASSESSMENT_REBUILD_CHUNK", false,
             "10000", "a whole number from 1"},
            absl::GetFlag(FLAGS_rebuild_chunk), config::ProcessEnv()));
    int rebuild_chunk = 0;
    if (!absl::SimpleAtoi(chunk_text, &rebuild_chunk) || rebuild_chunk < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--rebuild_chunk (HOTLINE_ASSESSMENT_REBUILD_CHUNK): a whole number "
          "from 1, got \"",
          chunk_text, "\""));
    }
    return std::make_unique<AssessmentComponent>(
        ctx, std::move(source), producer_batches, rebuild_chunk);
  };
  return d;
}

}  // namespace hotline::assessment
