#include "tools/hotlinectl/examples.h"

#include <map>

namespace hotline::ctl {
namespace {

using Examples = std::map<std::string, std::vector<Example>, std::less<>>;

const Examples& All() {
  static const auto* all = new Examples{
      // ---------------------------------------------------------- intake
      {"create",
       {{"a complaint by phone, with the caller and the place",
         "hotlinectl create channel=phone request_type=complaint "
         "category_code=urban.road.damage location.town_code=town.longshui "
         "location.address=\"龙水镇五金街12号\" title=\"五金街路面塌陷\" "
         "content=\"五金街12号门前路面塌陷约1平方米，夜间有安全隐患\" "
         "caller.name=张三 caller.phone=13800000000"},
        {"a consultation answered at once from the knowledge base",
         "hotlinectl create channel=phone request_type=consultation "
         "category_code=social.pension title=\"养老保险转移接续\" "
         "content=\"外地养老保险如何转入大足\" "
         "close_at_intake.article_ids=ARTICLE_ID "
         "close_at_intake.answer=\"按知识库指南办理，告知所需材料\""},
        {"the whole request from a file, one field overridden",
         "hotlinectl create --data=@order.json urgency=urgent"}}},
      {"get",
       {{"one order by its number",
         "hotlinectl get ticket_number=DZ20261207-000123"},
        {"by id, as JSON for a script",
         "hotlinectl get ticket_id=TICKET_ID --json"}}},
      {"list",
       {{"orders received in November still waiting for dispatch",
         "hotlinectl list statuses=received received.from_date=2026-11-01 "
         "received.to_date=2026-11-30"},
        {"everything a town holds or held, every page",
         "hotlinectl list holder_unit_id=town.longshui --all"}}},
      {"search",
       {{"by words of the content (Chinese works)",
         "hotlinectl search text=路灯"},
        {"by the caller's phone (hashed on the server)",
         "hotlinectl search caller_phone=13800000000"},
        {"by number prefix, with the wide columns",
         "hotlinectl search ticket_number=DZ20261207 -o wide"}}},
      {"reveal",
       {{"see the caller to answer them (audited)",
         "hotlinectl reveal ticket_id=TICKET_ID purpose=reply "
         "reason=\"电话答复来电人\""}}},
      {"reveal-audit",
       {{"who revealed callers in November",
         "hotlinectl reveal-audit period.from_date=2026-11-01 "
         "period.to_date=2026-11-30"}}},
      {"merge",
       {{"a repeat call merged into the original",
         "hotlinectl merge ticket_id=REPEAT_ID original_ticket_id=ORIGINAL_ID "
         "reason=\"同一来电人重复反映同一路灯\""}}},
      {"unmerge",
       {{"undo a merge made by mistake",
         "hotlinectl unmerge ticket_id=TICKET_ID "
         "reason=\"并单有误，诉求不同\""}}},
      {"categories",
       {{"the matter taxonomy", "hotlinectl categories"},
        {"just codes and names", "hotlinectl categories --columns=code,name"}}},
      {"article-create",
       {{"a draft article of a department",
         "hotlinectl article-create owner_unit_id=dept.hrss "
         "content.title=\"养老保险转移接续指南\" content.body=@guide.md "
         "content.category_codes=social.pension content.keywords=转移接续"}}},
      {"article-update",
       {{"edit the draft (whole content again)",
         "hotlinectl article-update article_id=ARTICLE_ID expected_version=1 "
         "content.title=\"养老保险转移接续指南\" content.body=@guide.md "
         "content.category_codes=social.pension"}}},
      {"article-submit",
       {{"send the draft for review",
         "hotlinectl article-submit article_id=ARTICLE_ID"}}},
      {"article-review",
       {{"publish it",
         "hotlinectl article-review article_id=ARTICLE_ID version=1 "
         "approve=true"},
        {"send it back with a comment",
         "hotlinectl article-review article_id=ARTICLE_ID version=1 "
         "approve=false comment=\"材料清单不完整\""}}},
      {"article-retire",
       {{"withdraw an outdated article",
         "hotlinectl article-retire article_id=ARTICLE_ID "
         "reason=\"政策已调整\""}}},
      {"article-search",
       {{"what agents find for a question",
         "hotlinectl article-search query=养老保险 area_code=town.longshui"}}},
      {"article-get",
       {{"the published version",
         "hotlinectl article-get article_id=ARTICLE_ID"}}},
      // --------------------------------------------------------- routing
      {"dispatch",
       {{"send an order to a town (交办)",
         "hotlinectl dispatch ticket_id=TICKET_ID unit_id=town.longshui"},
        {"a lead unit with co-units and its own limit of 5 working days",
         "hotlinectl dispatch ticket_id=TICKET_ID unit_id=dept.housing "
         "co_unit_ids=dept.urban co_unit_ids=town.longgang "
         "limit.working_days=5 note=\"请会同城管局现场核实\""},
        {"re-dispatch an order a unit still holds (改派: reason required)",
         "hotlinectl dispatch ticket_id=TICKET_ID unit_id=dept.urban "
         "reason=\"属城市管理职责\""}}},
      {"accept",
       {{"the unit takes the order (签收)",
         "hotlinectl accept ticket_id=TICKET_ID"}}},
      {"forward",
       {{"pass it down to a community",
         "hotlinectl forward ticket_id=TICKET_ID to_unit_id=COMMUNITY_UNIT_ID "
         "note=\"请社区现场核实\""}}},
      {"return",
       {{"return it one level up (退回)",
         "hotlinectl return ticket_id=TICKET_ID "
         "reason=\"该路段属国道，由交通局管养\""}}},
      {"dispute",
       {{"dispute the dispatch, naming who should handle it",
         "hotlinectl dispute ticket_id=TICKET_ID "
         "reason=\"不属本单位职责\" suggested_unit_id=dept.transport"}}},
      {"decide-dispute",
       {{"the center upholds the dispatch",
         "hotlinectl decide-dispute ticket_id=TICKET_ID dispute_id=DISPUTE_ID "
         "outcome=dispatch_upheld reason=\"属地管理，由镇街牵头\""}}},
      {"add-co-units",
       {{"name two co-units (协办)",
         "hotlinectl add-co-units ticket_id=TICKET_ID co_unit_ids=dept.urban "
         "co_unit_ids=dept.transport"}}},
      {"co-opinion",
       {{"a co-unit's input to the lead unit",
         "hotlinectl co-opinion ticket_id=TICKET_ID "
         "opinion=\"经核查，该路段由我局负责维修，已安排施工\""}}},
      {"release-co-unit",
       {{"stop waiting for a co-unit",
         "hotlinectl release-co-unit ticket_id=TICKET_ID co_unit_id=dept.urban "
         "reason=\"经核实不涉及占道经营，无需协办\""}}},
      {"reply",
       {{"answer the caller and affirm the four checks of [5(2)]",
         "hotlinectl reply ticket_id=TICKET_ID "
         "text=\"已现场修复路灯，并电话告知来电人\" contact=phone "
         "contacted_at=\"2026-12-07 15:30\" checks.policy_checked=true "
         "checks.confidentiality_checked=true checks.source_checked=true "
         "checks.wording_checked=true resolved=true"},
        {"the same from a JSON file",
         "hotlinectl reply --data=@reply.json ticket_id=TICKET_ID"}}},
      {"review",
       {{"approve the reply (审核通过)",
         "hotlinectl review ticket_id=TICKET_ID reply_id=REPLY_ID "
         "approve=true"},
        {"reject it: the unit handles it again (重办)",
         "hotlinectl review ticket_id=TICKET_ID reply_id=REPLY_ID "
         "approve=false "
         "reasons=not_resolved reasons=wording comment=\"未说明修复时间\""}}},
      {"worklist",
       {{"a unit's work, earliest due first",
         "hotlinectl worklist unit_id=town.longshui"},
        {"only what is due before Friday, every page",
         "hotlinectl worklist unit_id=town.longshui due_before=2026-12-11 "
         "--all"},
        {"choose the columns",
         "hotlinectl worklist unit_id=town.longshui "
         "--columns=number,due,overdue,assignment.urgency"}}},
      {"queue",
       {{"orders waiting for the center", "hotlinectl queue"},
        {"only replies to review",
         "hotlinectl queue reasons=awaiting_review"}}},
      {"assignment",
       {{"who holds an order now",
         "hotlinectl assignment ticket_id=TICKET_ID"}}},
      {"history",
       {{"every routing step of an order",
         "hotlinectl history ticket_id=TICKET_ID"}}},
      {"suggest",
       {{"the catalogue's choice for an order",
         "hotlinectl suggest ticket_id=TICKET_ID"},
        {"for facts of a call still on the line",
         "hotlinectl suggest facts.category_code=urban.road.damage "
         "facts.area_code=town.longshui facts.text=井盖缺失"}}},
      {"unit-upsert",
       {{"create a community under a town",
         "hotlinectl unit-upsert unit.unit_id=comm.longshui.wujin "
         "unit.name=五金社区居民委员会 unit.kind=village_community "
         "unit.parent_unit_id=town.longshui unit.active=true"},
        {"change a liaison (expected_version from unit-get)",
         "hotlinectl unit-upsert --data=@unit.json expected_version=3"}}},
      {"unit-get",
       {{"one unit and its children",
         "hotlinectl unit-get unit_id=town.longshui"}}},
      {"units",
       {{"the whole tree, every page", "hotlinectl units --all"},
        {"the towns and streets only", "hotlinectl units kinds=town_street"}}},
      {"directory-import",
       {{"check a directory file without changing anything",
         "hotlinectl directory-import format=csv content=@dazu.csv "
         "dry_run=true"},
        {"load it",
         "hotlinectl directory-import format=csv content=@dazu.csv "
         "source=\"大足区单位目录 2026\""}}},
      {"directory-export",
       {{"the directory as JSON",
         "hotlinectl directory-export format=json --json"}}},
      {"rule-upsert",
       {{"a catalogue rule: road damage in Longshui goes to the town",
         "hotlinectl rule-upsert rule.name=\"龙水镇道路破损\" "
         "rule.category_codes=urban.road.damage rule.area_codes=town.longshui "
         "rule.unit_id=town.longshui rule.priority=100 rule.active=true"}}},
      {"rules",
       {{"rules that send work to a unit",
         "hotlinectl rules unit_id=dept.urban"}}},
      {"rule-delete",
       {{"remove a rule", "hotlinectl rule-delete rule_id=RULE_ID"}}},
      {"duty-set",
       {{"the leader on duty on one date (JSON per entry)",
         "hotlinectl duty-set unit_id=town.longshui "
         "'entries={\"date\": \"2026-12-07\", \"leader\": {\"name\": "
         "\"王镇长\", "
         "\"mobile\": \"13900000010\"}}'"}}},
      {"duty-get",
       {{"who is on duty this week",
         "hotlinectl duty-get unit_id=town.longshui from_date=2026-12-07 "
         "to_date=2026-12-13"}}},
      // -------------------------------------------------------- deadline
      {"due",
       {{"3 working days from a Wednesday afternoon, explained",
         "hotlinectl due start=\"2026-12-02 16:00\" working_days=3"}}},
      {"count",
       {{"working days in (from, to]",
         "hotlinectl count from_date=2026-09-30 to_date=2026-10-09"}}},
      {"workday",
       {{"is it a working day?", "hotlinectl workday date=2026-10-10"}}},
      {"timely",
       {{"may a unit still ask for an extension?",
         "hotlinectl timely at=\"2026-12-03 10:00\" due=2026-12-08"}}},
      {"load-year",
       {{"next year's holidays from a file",
         "hotlinectl load-year --data=@2027.json"},
        {"replace a year open clocks depend on",
         "hotlinectl load-year --data=@2027.json force=true"}}},
      {"calendar",
       {{"the years known", "hotlinectl calendar"},
        {"one year's holidays", "hotlinectl calendar year=2026"}}},
      {"clocks",
       {{"an order's clocks with their explanations",
         "hotlinectl clocks ticket_id=TICKET_ID"},
        {"with every column",
         "hotlinectl clocks ticket_id=TICKET_ID -o wide"}}},
      {"extension-request",
       {{"ask for more time (at least 2 working days before the due)",
         "hotlinectl extension-request ticket_id=TICKET_ID "
         "proposed_due_date=2026-12-18 reason=\"需协调施工单位\" "
         "progress_note=\"已完成现场勘查\""}}},
      {"extension-decide",
       {{"approve, with the date granted",
         "hotlinectl extension-decide extension_id=EXTENSION_ID approve=true "
         "approved_due_date=2026-12-16"},
        {"reject",
         "hotlinectl extension-decide extension_id=EXTENSION_ID "
         "approve=false reason=\"理由不充分\""}}},
      {"list-due",
       {{"clocks of a town due before Friday",
         "hotlinectl list-due unit_id=town.longshui due_before=2026-12-11"}}},
      {"notices",
       {{"every notice about one order",
         "hotlinectl notices ticket_id=TICKET_ID"},
        {"failed deliveries this month",
         "hotlinectl notices deliveries=failed period.from_date=2026-12-01 "
         "period.to_date=2026-12-31 --all"}}},
      {"ladder",
       {{"escalation steps fired in a town",
         "hotlinectl ladder unit_id=town.longshui"},
        {"supervisions only", "hotlinectl ladder steps=supervision"}}},
      {"escalation-candidates",
       {{"orders that qualify for a special inspection",
         "hotlinectl escalation-candidates step=special_inspection"}}},
      {"supervision-act",
       {{"record a special inspection of one order",
         "hotlinectl supervision-act step=special_inspection "
         "ticket_ids=TICKET_ID unit_ids=town.longshui "
         "text=\"专项督查：现场核实路灯维修进度\" "
         "district_office_participants=李明"}}},
      {"supervision-acts",
       {{"inspections and notices of December",
         "hotlinectl supervision-acts period.from_date=2026-12-01 "
         "period.to_date=2026-12-31"}}},
      {"caller-informed",
       {{"record telling the caller of an approved extension",
         "hotlinectl caller-informed extension_id=EXTENSION_ID contact=phone "
         "informed_at=\"2026-12-05 10:00\" "
         "note=\"已告知延期至12月16日及现场勘查进展\""}}},
      {"extensions",
       {{"pending requests of a town",
         "hotlinectl extensions unit_id=town.longshui states=pending"},
        {"approved ones whose caller was not told",
         "hotlinectl extensions caller_not_informed=true"}}},
      // ------------------------------------------------------ assessment
      {"evaluate",
       {{"a callback that reached the caller",
         "hotlinectl evaluate ticket_id=TICKET_ID callback=reached "
         "satisfaction=satisfied resolved=true comment=\"路灯已修好\""},
        {"a caller not reached",
         "hotlinectl evaluate ticket_id=TICKET_ID callback=not_reached "
         "comment=\"三次未接通\""}}},
      {"scorecard",
       {{"a town's November",
         "hotlinectl scorecard unit_id=town.longshui "
         "period.from_date=2026-11-01 period.to_date=2026-11-30"},
        {"a department with its subtree, month by month",
         "hotlinectl scorecard unit_id=dept.housing include_subtree=true "
         "period.from_date=2026-01-01 period.to_date=2026-12-31 "
         "period.granularity=month"}}},
      {"ranking",
       {{"towns and streets ranked for a quarter",
         "hotlinectl ranking period.from_date=2026-10-01 "
         "period.to_date=2026-12-31 peer_kind=town_street"},
        {"departments, complaints only",
         "hotlinectl ranking period.from_date=2026-10-01 "
         "period.to_date=2026-12-31 peer_kind=department "
         "request_type=complaint"}}},
      {"accountability",
       {{"candidates under 第十条 for a month",
         "hotlinectl accountability period.from_date=2026-11-01 "
         "period.to_date=2026-11-30"}}},
      {"report",
       {{"the month's bulletin as a web page",
         "hotlinectl report period.from_date=2026-11-01 "
         "period.to_date=2026-11-30 --out report-2026-11.html"},
        {"one table of it as CSV",
         "hotlinectl report period.from_date=2026-11-01 "
         "period.to_date=2026-11-30 --out ranking-town_street.csv"},
        {"Markdown with a title of your own",
         "hotlinectl report period.from_date=2026-11-01 "
         "period.to_date=2026-11-30 title=\"11月通报\" --out nov.md"}}},
      {"hot-topics",
       {{"top-level categories by town, this month against last",
         "hotlinectl hot-topics period.from_date=2026-11-01 "
         "period.to_date=2026-11-30 category_depth=1"}}},
      {"facts",
       {{"what assessment recorded of one order",
         "hotlinectl facts ticket_id=TICKET_ID --all"}}},
      {"rebuild-rollups",
       {{"check the rollups against the facts, change nothing",
         "hotlinectl rebuild-rollups verify_only=true"}}},
      {"explain",
       {{"the orders behind a town's on-time completion rate",
         "hotlinectl explain unit_id=town.longshui "
         "indicator=on_time_completion "
         "period.from_date=2026-11-01 period.to_date=2026-11-30"}}},
      {"reports",
       {{"every monthly bulletin kept so far", "hotlinectl reports"},
        {"those of 2026 (months inclusive)",
         "hotlinectl reports from_month=2026-01 to_month=2026-12"}}},
      {"stored-report",
       {{"November's bulletin as a web page, as it was generated",
         "hotlinectl stored-report month=2026-11 --out report-2026-11.html"},
        {"its Markdown, to paste into a document",
         "hotlinectl stored-report month=2026-11 --out report-2026-11.md"},
        {"one table of it as CSV",
         "hotlinectl stored-report month=2026-11 "
         "--out ranking-town_street.csv"},
        {"what it holds, without saving anything",
         "hotlinectl stored-report month=2026-11"}}},
      // ------------------------------------------------------- any service
      {"clock",
       {{"a manual clock's time on every service", "hotlinectl clock"},
        {"on one", "hotlinectl clock --on=deadline"}}},
      {"clock-advance",
       {{"a day and a half later, everywhere",
         "hotlinectl clock-advance by=36h"},
        {"to an instant", "hotlinectl clock-advance to=\"2026-12-08 09:00\""}}},
  };
  return *all;
}

}  // namespace

std::vector<Example> ExamplesFor(absl::string_view verb) {
  auto it = All().find(verb);
  if (it == All().end()) return {};
  return it->second;
}

}  // namespace hotline::ctl
