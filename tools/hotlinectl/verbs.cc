#include "tools/hotlinectl/verbs.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "hotline/v1/admin.pb.h"
#include "hotline/v1/assessment.pb.h"
#include "hotline/v1/deadline.pb.h"
#include "hotline/v1/intake.pb.h"
#include "hotline/v1/routing.pb.h"

namespace hotline::ctl {
namespace {

int EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      const int up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

const std::vector<Verb>& Verbs() {
  static const auto* verbs = new std::vector<Verb>{
      // intake
      {"create", "intake", "hotline.v1.IntakeService.CreateTicket",
       "record a new order (工单)"},
      {"get", "intake", "hotline.v1.IntakeService.GetTicket",
       "one order and its progress"},
      {"list", "intake", "hotline.v1.IntakeService.ListTickets",
       "orders by status/period"},
      {"search", "intake", "hotline.v1.IntakeService.SearchTickets",
       "find orders by number, phone, text"},
      {"reveal", "intake", "hotline.v1.IntakeService.RevealCaller",
       "show a caller's identity (reason required, audited)"},
      {"reveal-audit", "intake", "hotline.v1.IntakeService.ListRevealAudit",
       "who revealed which caller, and why"},
      {"merge", "intake", "hotline.v1.IntakeService.MergeTicket",
       "merge a repeat request into its original (并单)"},
      {"unmerge", "intake", "hotline.v1.IntakeService.UnmergeTicket",
       "undo a merge"},
      {"categories", "intake", "hotline.v1.IntakeService.ListCategories",
       "the matter taxonomy"},
      {"article-create", "intake", "hotline.v1.KnowledgeService.CreateArticle",
       "draft a knowledge article"},
      {"article-update", "intake", "hotline.v1.KnowledgeService.UpdateArticle",
       "edit a draft (new version)"},
      {"article-submit", "intake", "hotline.v1.KnowledgeService.SubmitArticle",
       "send a draft for review"},
      {"article-review", "intake", "hotline.v1.KnowledgeService.ReviewArticle",
       "approve/reject (not the author)"},
      {"article-retire", "intake", "hotline.v1.KnowledgeService.RetireArticle",
       "withdraw an article"},
      {"article-search", "intake", "hotline.v1.KnowledgeService.SearchArticles",
       "search the knowledge base"},
      {"article-get", "intake", "hotline.v1.KnowledgeService.GetArticle",
       "one article"},
      // routing
      {"dispatch", "routing", "hotline.v1.RoutingService.Dispatch",
       "dispatch / re-dispatch to a unit (交办)"},
      {"accept", "routing", "hotline.v1.RoutingService.Accept",
       "accept an order (签收), or a co-unit acknowledges its part"},
      {"forward", "routing", "hotline.v1.RoutingService.Forward",
       "pass down to a sub-unit"},
      {"return", "routing", "hotline.v1.RoutingService.Return",
       "return one level up with a reason (退回)"},
      {"dispute", "routing", "hotline.v1.RoutingService.Dispute",
       "dispute a dispatch (派单异议)"},
      {"decide-dispute", "routing", "hotline.v1.RoutingService.DecideDispute",
       "center decides a dispute"},
      {"add-co-units", "routing", "hotline.v1.RoutingService.AddCoUnits",
       "name co-units (协办)"},
      {"co-opinion", "routing", "hotline.v1.RoutingService.SubmitCoOpinion",
       "co-unit's input to the lead"},
      {"release-co-unit", "routing", "hotline.v1.RoutingService.ReleaseCoUnit",
       "center releases a co-unit (协办) with a reason"},
      {"reply", "routing", "hotline.v1.RoutingService.Reply",
       "answer the caller (办理答复)"},
      {"review", "routing", "hotline.v1.RoutingService.Review",
       "center approves/rejects a reply"},
      {"worklist", "routing", "hotline.v1.RoutingService.ListWork",
       "a unit's work, by due time"},
      {"queue", "routing", "hotline.v1.RoutingService.ListCenterQueue",
       "the center's dispatch queue"},
      {"assignment", "routing", "hotline.v1.RoutingService.GetAssignment",
       "who holds an order now"},
      {"history", "routing", "hotline.v1.RoutingService.GetAssignmentHistory",
       "an order's assignment chain"},
      {"suggest", "routing", "hotline.v1.RoutingService.SuggestDispatch",
       "dispatch-catalogue suggestion"},
      {"unit-upsert", "routing", "hotline.v1.DirectoryService.UpsertUnit",
       "add/change a unit"},
      {"unit-get", "routing", "hotline.v1.DirectoryService.GetUnit",
       "one unit"},
      {"units", "routing", "hotline.v1.DirectoryService.ListUnits",
       "the unit tree"},
      {"directory-import", "routing",
       "hotline.v1.DirectoryService.ImportDirectory",
       "import a directory file (content=@file.csv)"},
      {"directory-export", "routing",
       "hotline.v1.DirectoryService.ExportDirectory", "export the directory"},
      {"rule-upsert", "routing", "hotline.v1.DirectoryService.UpsertRule",
       "add/change a dispatch rule (派单目录)"},
      {"rules", "routing", "hotline.v1.DirectoryService.ListRules",
       "the dispatch catalogue"},
      {"rule-delete", "routing", "hotline.v1.DirectoryService.DeleteRule",
       "remove a rule"},
      {"duty-set", "routing", "hotline.v1.DirectoryService.SetDuty",
       "leader on hotline duty for a date"},
      {"duty-get", "routing", "hotline.v1.DirectoryService.GetDuty",
       "who is on duty"},
      // deadline
      {"due", "deadline", "hotline.v1.CalendarService.AddWorkingDays",
       "start + N working days, explained"},
      {"count", "deadline", "hotline.v1.CalendarService.CountWorkingDays",
       "working days in (from, to]"},
      {"workday", "deadline", "hotline.v1.CalendarService.IsWorkingDay",
       "is a date a working day?"},
      {"timely", "deadline", "hotline.v1.CalendarService.CheckExtensionTimely",
       "would an extension request be timely?"},
      {"load-year", "deadline", "hotline.v1.CalendarService.LoadYear",
       "load a year's holidays (--data=@2027.json)"},
      {"calendar", "deadline", "hotline.v1.CalendarService.GetCalendar",
       "the calendar in force"},
      {"clocks", "deadline", "hotline.v1.DeadlineService.GetClocks",
       "an order's clocks, explained"},
      {"extension-request", "deadline",
       "hotline.v1.DeadlineService.RequestExtension",
       "ask for more time (≥2 working days before)"},
      {"extension-decide", "deadline",
       "hotline.v1.DeadlineService.DecideExtension", "the level above decides"},
      {"list-due", "deadline", "hotline.v1.DeadlineService.ListDue",
       "clocks due within a window"},
      {"notices", "deadline", "hotline.v1.DeadlineService.ListNotices",
       "reminders, supervision letters, ..."},
      {"ladder", "deadline", "hotline.v1.DeadlineService.ListLadderSteps",
       "escalation steps fired"},
      {"escalation-candidates", "deadline",
       "hotline.v1.DeadlineService.ListEscalationCandidates",
       "orders chased twice and unfinished (督办2次仍未办结), with evidence"},
      {"supervision-act", "deadline",
       "hotline.v1.DeadlineService.RecordSupervisionAct",
       "record a special inspection (专项督查) or district notice (全区通报)"},
      {"supervision-acts", "deadline",
       "hotline.v1.DeadlineService.ListSupervisionActs",
       "special inspections and district notices recorded"},
      {"caller-informed", "deadline",
       "hotline.v1.DeadlineService.RecordCallerInformed",
       "record telling the caller of an extension [6(3)]"},
      {"extensions", "deadline", "hotline.v1.DeadlineService.ListExtensions",
       "extensions by state; caller_not_informed=true for the follow-up list"},
      // assessment
      {"evaluate", "assessment",
       "hotline.v1.AssessmentService.RecordEvaluation",
       "record a satisfaction callback"},
      {"scorecard", "assessment", "hotline.v1.AssessmentService.UnitScorecard",
       "a unit's indicators for a period"},
      {"ranking", "assessment", "hotline.v1.AssessmentService.Ranking",
       "units ranked against their peers"},
      {"accountability", "assessment",
       "hotline.v1.AssessmentService.AccountabilityCandidates",
       "candidates under 第十条"},
      {"report", "assessment", "hotline.v1.AssessmentService.Report",
       "the period's report (通报)"},
      {"hot-topics", "assessment", "hotline.v1.AssessmentService.HotTopics",
       "counts by matter × area"},
      {"facts", "assessment", "hotline.v1.AssessmentService.ListFacts",
       "recorded facts"},
      {"rebuild-rollups", "assessment",
       "hotline.v1.AssessmentService.RebuildRollups",
       "recompute rollups, compare"},
      {"explain", "assessment", "hotline.v1.AssessmentService.ExplainFigure",
       "the orders and clocks behind one figure of a scorecard"},
      {"reports", "assessment",
       "hotline.v1.AssessmentService.ListStoredReports",
       "the monthly bulletins kept (定期通报), newest first"},
      {"stored-report", "assessment",
       "hotline.v1.AssessmentService.GetStoredReport",
       "one kept monthly bulletin (--out FILE.html, .md or .csv)"},
      // every service, with --clock=manual
      {"clock", "any", "hotline.v1.ClockAdmin.GetTime",
       "a manual clock's time (--on=SERVICE)"},
      {"clock-advance", "any", "hotline.v1.ClockAdmin.AdvanceClock",
       "advance manual clocks (by=36h | to=...)"},
  };
  return *verbs;
}

void LinkContracts() {
  (void)v1::GetTimeRequest::descriptor();
  (void)v1::CreateTicketRequest::descriptor();
  (void)v1::DispatchRequest::descriptor();
  (void)v1::AddWorkingDaysRequest::descriptor();
  (void)v1::RankingRequest::descriptor();
}

const Verb* FindVerb(absl::string_view name) {
  for (const Verb& v : Verbs()) {
    if (name == v.name) return &v;
  }
  return nullptr;
}

const Verb* FindVerbByMethod(absl::string_view method_full_name) {
  for (const Verb& v : Verbs()) {
    if (method_full_name == v.method) return &v;
  }
  return nullptr;
}

std::vector<std::string> NearestNames(
    absl::string_view word, const std::vector<std::string>& candidates,
    size_t max) {
  const std::string lower = absl::AsciiStrToLower(word);
  std::vector<std::pair<int, std::string>> scored;
  for (const std::string& c : candidates) {
    const std::string lc = absl::AsciiStrToLower(c);
    int score = EditDistance(lower, lc);
    if (!lower.empty() &&
        (absl::StartsWith(lc, lower) || absl::StrContains(lc, lower))) {
      score = std::min(score, 1);
    }
    // Allow one edit per three letters typed, at least one, at most three.
    const int allowed = std::clamp(static_cast<int>(lower.size()) / 3, 1, 3);
    if (score <= allowed) scored.emplace_back(score, c);
  }
  std::stable_sort(
      scored.begin(), scored.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (const auto& [score, name] : scored) {
    if (out.size() == max) break;
    if (std::find(out.begin(), out.end(), name) == out.end())
      out.push_back(name);
  }
  return out;
}

std::string DidYouMean(absl::string_view word,
                       const std::vector<std::string>& candidates) {
  const std::vector<std::string> near = NearestNames(word, candidates);
  if (near.empty()) return "";
  return absl::StrCat(" (did you mean ", absl::StrJoin(near, " or "), "?)");
}

}  // namespace hotline::ctl
