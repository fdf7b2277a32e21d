#include "services/assessment/store/mysql_assessment_store.h"

#include <cppconn/resultset.h>

#include <algorithm>
#include <map>
#include <random>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/calendar/calendar.h"
#include "common/db/transaction.h"
#include "common/server/actor.h"
#include "common/server/idempotency.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"
#include "services/assessment/store/mysql_overdue_tables.h"

namespace hotline::assessment {

const std::string& RollupMonthUpsertSql();

namespace {

absl::CivilDay ParseDay(const std::string& s) {
  auto d = calendar::ParseDate(s);
  return d.ok() ? *d : absl::CivilDay();
}

std::string Placeholders(size_t n) {
  std::vector<std::string> q(n, "?");
  return absl::StrJoin(q, ",");
}

const char kFactColumns[] =
    "event_id, producer, ticket_id, seq, kind, unit_id, occurred_at, "
    "local_date, request_type, urgency, category_code, area_code, detail, "
    "amount, unit2_id, handling_days";
constexpr int kFactColumnCount = 16;

void ReadFact(sql::ResultSet& rs, FactRecord& f) {
  f.event_id = rs.getString(1);
  f.producer = rs.getString(2);
  f.ticket_id = rs.getString(3);
  f.seq = rs.getInt64(4);
  f.kind = rs.getString(5);
  f.unit_id = rs.getString(6);
  f.occurred_at = ParseSqlTime(rs.getString(7));
  f.local_date = ParseDay(rs.getString(8));
  f.request_type = rs.getInt(9);
  f.urgency = rs.getInt(10);
  f.category_code = rs.getString(11);
  f.area_code = rs.getString(12);
  f.detail = rs.getString(13);
  f.amount = rs.getInt64(14);
  f.unit2_id = rs.getString(15);
  if (rs.isNull(16)) {
    f.handling_days.reset();
  } else {
    f.handling_days = rs.getInt64(16);
  }
}

absl::StatusOr<TicketInfo> LoadTicket(db::Connection& conn,
                                      const std::string& ticket_id) {
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare("SELECT ticket_number, request_type, urgency, "
                   "category_code, area_code, dispatched_at, replied_unit_id, "
                   "review_status, approved_unit_id, last_reply_round FROM "
                   "ticket_state WHERE ticket_id = ? FOR UPDATE"));
  return conn.Guard("load ticket_state", [&] {
    stmt->setString(1, ticket_id);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    TicketInfo t;
    if (!rs->next()) return t;
    t.known = true;
    t.ticket_number = rs->getString(1);
    t.request_type = rs->getInt(2);
    t.urgency = rs->getInt(3);
    t.category_code = rs->getString(4);
    t.area_code = rs->getString(5);
    if (!rs->isNull(6)) t.dispatched_at = ParseSqlTime(rs->getString(6));
    t.replied_unit_id = rs->getString(7);
    t.review_status = rs->getString(8);
    t.approved_unit_id = rs->getString(9);
    t.last_reply_round = rs->getInt(10);
    return t;
  });
}

bool SameTicket(const TicketInfo& a, const TicketInfo& b) {
  return a.known == b.known && a.ticket_number == b.ticket_number &&
         a.request_type == b.request_type && a.urgency == b.urgency &&
         a.category_code == b.category_code && a.area_code == b.area_code &&
         a.dispatched_at == b.dispatched_at &&
         a.replied_unit_id == b.replied_unit_id &&
         a.review_status == b.review_status &&
         a.approved_unit_id == b.approved_unit_id &&
         a.last_reply_round == b.last_reply_round;
}

absl::Status SaveTicket(db::Connection& conn, const std::string& ticket_id,
                        const TicketInfo& t) {
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare(
          "INSERT INTO ticket_state (ticket_id, ticket_number, request_type, "
          "urgency, category_code, area_code, dispatched_at, replied_unit_id, "
          "review_status, approved_unit_id, last_reply_round) VALUES "
          "(?,?,?,?,?,?,?,?,?,?,?) "
          "ON DUPLICATE KEY UPDATE ticket_number = VALUES(ticket_number), "
          "request_type = VALUES(request_type), urgency = VALUES(urgency), "
          "category_code = VALUES(category_code), area_code = "
          "VALUES(area_code), dispatched_at = VALUES(dispatched_at), "
          "replied_unit_id = VALUES(replied_unit_id), review_status = "
          "VALUES(review_status), approved_unit_id = "
          "VALUES(approved_unit_id), last_reply_round = "
          "VALUES(last_reply_round)"));
  return conn.Guard("save ticket_state", [&] {
    stmt->setString(1, ticket_id);
    stmt->setString(2, t.ticket_number.substr(0, 32));
    stmt->setInt(3, t.request_type);
    stmt->setInt(4, t.urgency);
    stmt->setString(5, t.category_code);
    stmt->setString(6, t.area_code);
    if (t.dispatched_at.has_value()) {
      stmt->setString(7, SqlTime(*t.dispatched_at));
    } else {
      stmt->setNull(7, 0);
    }
    stmt->setString(8, t.replied_unit_id);
    stmt->setString(9, t.review_status);
    stmt->setString(10, t.approved_unit_id);
    stmt->setInt(11, t.last_reply_round);
    stmt->executeUpdate();
  });
}

absl::Status UpsertRollups(db::Connection& conn, const FactRecord& f) {
  const Contribution c = ContributionOf(f);
  const std::string date = calendar::FormatDate(f.local_date);
  const std::string month =
      calendar::FormatDate(absl::CivilDay(absl::CivilMonth(f.local_date)));
  for (const auto& [unit, counters] : {std::make_pair(f.unit_id, &c.counters),
                                       std::make_pair(f.unit2_id, &c.second)}) {
    if (counters->IsZero()) continue;
    for (int m = 0; m < 2; ++m) {
      ASSIGN_OR_RETURN(
          auto* stmt,
          conn.Prepare(m == 0 ? RollupUpsertSql() : RollupMonthUpsertSql()));
      RETURN_IF_ERROR(conn.Guard("upsert rollup", [&] {
        stmt->setString(1, m == 0 ? date : month);
        stmt->setString(2, unit);
        stmt->setInt(3, f.request_type);
        for (int i = 0; i < kCounterCount; ++i) {
          stmt->setInt64(4 + i, counters->v[i]);
        }
        stmt->executeUpdate();
      }));
    }
  }
  if (c.handling_days.has_value()) {
    for (int m = 0; m < 2; ++m) {
      ASSIGN_OR_RETURN(
          auto* stmt,
          conn.Prepare(
              m == 0 ? "INSERT INTO rollup_handling (local_date, unit_id, "
                       "request_type, working_days, n) VALUES (?,?,?,?,1) "
                       "ON DUPLICATE KEY UPDATE n = n + 1"
                     : "INSERT INTO rollup_handling_month (month_start, "
                       "unit_id, request_type, working_days, n) VALUES "
                       "(?,?,?,?,1) ON DUPLICATE KEY UPDATE n = n + 1"));
      RETURN_IF_ERROR(conn.Guard("upsert rollup_handling", [&] {
        stmt->setString(1, m == 0 ? date : month);
        stmt->setString(2, f.unit_id);
        stmt->setInt(3, f.request_type);
        stmt->setInt64(4, *c.handling_days);
        stmt->executeUpdate();
      }));
    }
  }
  if (c.topic) {
    ASSIGN_OR_RETURN(
        auto* stmt,
        conn.Prepare("INSERT INTO rollup_topic (local_date, category_code, "
                     "area_code, n) VALUES (?,?,?,1) ON DUPLICATE KEY UPDATE "
                     "n = n + 1"));
    RETURN_IF_ERROR(conn.Guard("upsert rollup_topic", [&] {
      stmt->setString(1, date);
      stmt->setString(2, f.category_code);
      stmt->setString(3, f.area_code);
      stmt->executeUpdate();
    }));
  }
  return absl::OkStatus();
}

absl::Status InsertFact(db::Connection& conn, const FactRecord& f,
                        const std::string& bytes) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare(absl::StrCat(
                       "INSERT INTO fact (", kFactColumns, ", event) VALUES (",
                       Placeholders(kFactColumnCount + 1), ")")));
  return conn.Guard("insert fact", [&] {
    stmt->setString(1, f.event_id);
    stmt->setString(2, f.producer);
    stmt->setString(3, f.ticket_id);
    stmt->setInt64(4, f.seq);
    stmt->setString(5, f.kind);
    stmt->setString(6, f.unit_id);
    stmt->setString(7, SqlTime(f.occurred_at));
    stmt->setString(8, calendar::FormatDate(f.local_date));
    stmt->setInt(9, f.request_type);
    stmt->setInt(10, f.urgency);
    stmt->setString(11, f.category_code);
    stmt->setString(12, f.area_code);
    stmt->setString(13, f.detail);
    stmt->setInt64(14, f.amount);
    stmt->setString(15, f.unit2_id);
    if (f.handling_days.has_value()) {
      stmt->setInt64(16, *f.handling_days);
    } else {
      stmt->setNull(16, 0);
    }
    stmt->setString(17, bytes);
    stmt->executeUpdate();
  });
}

}  // namespace

std::string CounterUpsertSql(const std::string& table,
                             const std::string& date_col) {
  std::vector<std::string> cols, upd;
  for (const char* c : CounterColumns()) {
    cols.push_back(c);
    upd.push_back(absl::StrCat(c, " = ", c, " + VALUES(", c, ")"));
  }
  return absl::StrCat("INSERT INTO ", table, " (", date_col,
                      ", unit_id, request_type, ", absl::StrJoin(cols, ", "),
                      ") VALUES (", Placeholders(3 + kCounterCount),
                      ") ON DUPLICATE KEY UPDATE ", absl::StrJoin(upd, ", "));
}

const std::string& RollupUpsertSql() {
  static const std::string* const kSql =
      new std::string(CounterUpsertSql("rollup_unit_day", "local_date"));
  return *kSql;
}

const std::string& RollupMonthUpsertSql() {
  static const std::string* const kSql =
      new std::string(CounterUpsertSql("rollup_unit_month", "month_start"));
  return *kSql;
}

MysqlAssessmentStore::MysqlAssessmentStore(db::ConnectionPool* pool,
                                           const outbox::Outbox* outbox,
                                           Clock* clock)
    : pool_(pool), outbox_(outbox), clock_(clock) {}

absl::Status MysqlAssessmentStore::ApplyEvent(db::Connection& conn,
                                              const v1::TicketEvent& event) {
  ASSIGN_OR_RETURN(TicketInfo before, LoadTicket(conn, event.ticket_id()));
  PlanContext context;
  if (auto day = DutyGapDayOf(event); day.has_value()) {
    ASSIGN_OR_RETURN(
        context.first_duty_gap_of_day,
        RecordDutyGapDay(conn, day->first, day->second, event.event_id()));
  }
  ASSIGN_OR_RETURN(FactPlan plan, PlanFact(event, before, context));
  RETURN_IF_ERROR(InsertFact(conn, plan.fact, event.SerializeAsString()));
  RETURN_IF_ERROR(TrackOverdue(conn, event, plan));
  if (!SameTicket(before, plan.ticket)) {
    RETURN_IF_ERROR(SaveTicket(conn, event.ticket_id(), plan.ticket));
  }
  for (const UnitLink& u : plan.units) {
    ASSIGN_OR_RETURN(
        auto* stmt,
        conn.Prepare("INSERT INTO unit_node (unit_id, parent_id, is_area) "
                     "VALUES (?,?,?) ON DUPLICATE KEY UPDATE parent_id = "
                     "IF(VALUES(parent_id) <> '', VALUES(parent_id), "
                     "parent_id), is_area = GREATEST(is_area, "
                     "VALUES(is_area))"));
    RETURN_IF_ERROR(conn.Guard("upsert unit_node", [&] {
      stmt->setString(1, u.unit_id);
      stmt->setString(2, u.parent_id);
      stmt->setInt(3, u.is_area ? 1 : 0);
      stmt->executeUpdate();
    }));
  }
  return UpsertRollups(conn, plan.fact);
}

namespace {

v1::Evaluation ReadEvaluation(sql::ResultSet& rs) {
  v1::Evaluation e;
  e.set_evaluation_id(rs.getString(1));
  e.set_ticket_id(rs.getString(2));
  e.set_unit_id(rs.getString(3));
  e.set_reached(rs.getInt(4) != 0);
  e.set_satisfaction(static_cast<v1::Satisfaction>(rs.getInt(5)));
  e.set_resolved(rs.getInt(6) != 0);
  e.set_comment(rs.getString(7));
  *e.mutable_evaluated_at() = ToProto(ParseSqlTime(rs.getString(8)));
  e.mutable_evaluator()->set_principal_id(rs.getString(9));
  e.mutable_evaluator()->set_role(static_cast<v1::Role>(rs.getInt(10)));
  e.mutable_evaluator()->set_unit_id(rs.getString(11));
  return e;
}

constexpr char kEvaluationColumns[] =
    "evaluation_id, ticket_id, unit_id, reached, satisfaction, resolved, "
    "comment, evaluated_at, evaluator_id, evaluator_role, evaluator_unit, "
    "request_hash";

std::string RandomId(absl::string_view prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return absl::StrCat(prefix, absl::Hex(rng(), absl::kZeroPad16));
}

}  // namespace

absl::StatusOr<v1::Evaluation> MysqlAssessmentStore::RecordEvaluation(
    const EvaluationInput& in) {
  std::string fresh_id = RandomId("eval-");
  v1::Evaluation out;
  server::IdempotentCall call;
  // EVALUATOR is the only role that records, and any evaluator may record
  // any order's callback (checked by the service): nothing more to check.
  call.authorize = [](db::Connection&) { return absl::OkStatus(); };
  call.replay = [&](db::Connection&, const std::string& answer) {
    if (!out.ParseFromString(answer)) {
      return absl::InternalError("evaluation: unreadable");
    }
    return absl::OkStatus();
  };
  // The evaluation row (with its request_id) is the record.
  call.record = [](db::Connection&, const std::string&) {
    return absl::OkStatus();
  };
  call.find =
      [&](db::Connection& conn) -> absl::StatusOr<std::optional<std::string>> {
    {
      ASSIGN_OR_RETURN(auto* stmt, conn.Prepare(absl::StrCat(
                                       "SELECT ", kEvaluationColumns,
                                       " FROM evaluation WHERE request_id = "
                                       "?")));
      ASSIGN_OR_RETURN(
          auto prior,
          conn.Guard(
              "find evaluation by request",
              [&]() -> std::optional<std::pair<v1::Evaluation, std::string>> {
                stmt->setString(1, in.request_id);
                std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
                if (!rs->next()) return std::nullopt;
                return std::make_pair(ReadEvaluation(*rs),
                                      std::string(rs->getString(12)));
              }));
      if (prior.has_value()) {
        if (prior->second != in.request_hash) {
          return absl::AlreadyExistsError(
              "request_id: already used for a different request");
        }
        return std::optional<std::string>(prior->first.SerializeAsString());
      }
    }
    return std::optional<std::string>();
  };
  call.run = [&](db::Connection& conn) -> absl::StatusOr<std::string> {
    ASSIGN_OR_RETURN(TicketInfo t, LoadTicket(conn, in.ticket_id));
    if (!t.known) {
      return absl::NotFoundError(absl::StrCat("ticket_id: ", in.ticket_id,
                                              " is unknown to assessment"));
    }
    {
      ASSIGN_OR_RETURN(
          auto* stmt,
          conn.Prepare(
              "SELECT evaluation_id FROM evaluation WHERE ticket_id = ?"));
      ASSIGN_OR_RETURN(
          std::string existing, conn.Guard("find evaluation by ticket", [&] {
            stmt->setString(1, in.ticket_id);
            std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
            return rs->next() ? std::string(rs->getString(1)) : std::string();
          }));
      if (!existing.empty()) {
        return absl::AlreadyExistsError(absl::StrCat(
            t.ticket_number, " already has evaluation ", existing));
      }
    }
    if (t.review_status != "APPROVED" || t.approved_unit_id.empty()) {
      const std::string status =
          t.review_status == "NONE"       ? "not replied"
          : t.review_status == "REPLIED"  ? "REPLIED, awaiting review"
          : t.review_status == "REJECTED" ? "REHANDLING (reply rejected)"
                                          : t.review_status;
      return absl::FailedPreconditionError(
          absl::StrCat(t.ticket_number, " is ", status,
                       t.replied_unit_id.empty()
                           ? ""
                           : absl::StrCat(", held by ", t.replied_unit_id),
                       "; the reply is not approved"));
    }
    v1::Evaluation ev;
    ev.set_evaluation_id(fresh_id);
    ev.set_ticket_id(in.ticket_id);
    ev.set_unit_id(t.approved_unit_id);
    ev.set_reached(in.reached);
    ev.set_satisfaction(static_cast<v1::Satisfaction>(in.satisfaction));
    ev.set_resolved(in.resolved);
    ev.set_comment(in.comment);
    *ev.mutable_evaluated_at() = ToProto(in.evaluated_at);
    *ev.mutable_evaluator() = server::ActorOf(in.evaluator);

    v1::TicketEvent event;
    event.set_ticket_id(in.ticket_id);
    event.set_ticket_number(t.ticket_number);
    *event.mutable_occurred_at() = ToProto(clock_->Now());
    *event.mutable_actor() = ev.evaluator();
    auto* p = event.mutable_evaluation_recorded();
    p->set_evaluation_id(ev.evaluation_id());
    p->set_unit_id(ev.unit_id());
    p->set_reached(ev.reached());
    p->set_satisfaction(ev.satisfaction());
    p->set_resolved(ev.resolved());
    *p->mutable_evaluated_at() = ev.evaluated_at();
    RETURN_IF_ERROR(outbox_->Append(conn, &event));
    RETURN_IF_ERROR(ApplyEvent(conn, event));

    ASSIGN_OR_RETURN(
        auto* stmt,
        conn.Prepare(
            "INSERT INTO evaluation (evaluation_id, ticket_id, request_id, "
            "request_hash, unit_id, reached, satisfaction, resolved, "
            "comment, evaluated_at, evaluator_id, evaluator_role, "
            "evaluator_unit) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    RETURN_IF_ERROR(conn.Guard("insert evaluation", [&] {
      stmt->setString(1, ev.evaluation_id());
      stmt->setString(2, ev.ticket_id());
      stmt->setString(3, in.request_id);
      stmt->setString(4, in.request_hash);
      stmt->setString(5, ev.unit_id());
      stmt->setInt(6, ev.reached());
      stmt->setInt(7, ev.satisfaction());
      stmt->setInt(8, ev.resolved());
      stmt->setString(9, ev.comment());
      stmt->setString(10, SqlTime(in.evaluated_at));
      stmt->setString(11, in.evaluator.id);
      stmt->setInt(12, ev.evaluator().role());
      stmt->setString(13, in.evaluator.unit_id);
      stmt->executeUpdate();
    }));
    out = ev;
    return ev.SerializeAsString();
  };
  RETURN_IF_ERROR(server::RunIdempotent(*pool_, call));
  return out;
}

absl::StatusOr<UnitTree> MysqlAssessmentStore::LoadUnits() {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(auto* stmt,
                   conn->Prepare("SELECT unit_id, parent_id, is_area FROM "
                                 "unit_node"));
  return conn->Guard("load units", [&] {
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    UnitTree tree;
    while (rs->next()) {
      tree.Add(rs->getString(1), rs->getString(2), rs->getInt(3) != 0);
    }
    return tree;
  });
}

absl::Status MysqlAssessmentStore::LoadRollups(
    const DateRange& range, const std::vector<std::string>& unit_ids,
    int request_type, std::vector<RollupRow>* rows,
    std::vector<HandlingRow>* handling) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  std::string where = "local_date BETWEEN ? AND ?";
  if (!unit_ids.empty()) {
    absl::StrAppend(&where, " AND unit_id IN (", Placeholders(unit_ids.size()),
                    ")");
  }
  if (request_type != 0) absl::StrAppend(&where, " AND request_type = ?");
  auto bind = [&](sql::PreparedStatement* s) {
    int i = 1;
    s->setString(i++, calendar::FormatDate(range.from));
    s->setString(i++, calendar::FormatDate(range.to));
    for (const auto& u : unit_ids) s->setString(i++, u);
    if (request_type != 0) s->setInt(i++, request_type);
  };
  if (rows != nullptr) {
    ASSIGN_OR_RETURN(
        auto* stmt,
        conn->Prepare(absl::StrCat("SELECT local_date, unit_id, request_type, ",
                                   absl::StrJoin(CounterColumns(), ", "),
                                   " FROM rollup_unit_day WHERE ", where)));
    RETURN_IF_ERROR(conn->Guard("load rollups", [&] {
      bind(stmt);
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
      while (rs->next()) {
        RollupRow r;
        r.date = ParseDay(rs->getString(1));
        r.unit_id = rs->getString(2);
        r.request_type = rs->getInt(3);
        for (int i = 0; i < kCounterCount; ++i) {
          r.counters.v[i] = rs->getInt64(4 + i);
        }
        rows->push_back(std::move(r));
      }
    }));
  }
  if (handling != nullptr) {
    ASSIGN_OR_RETURN(
        auto* stmt,
        conn->Prepare(absl::StrCat("SELECT local_date, unit_id, request_type, "
                                   "working_days, n FROM rollup_handling "
                                   "WHERE ",
                                   where)));
    RETURN_IF_ERROR(conn->Guard("load rollup_handling", [&] {
      bind(stmt);
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
      while (rs->next()) {
        handling->push_back(HandlingRow{ParseDay(rs->getString(1)),
                                        rs->getString(2), rs->getInt(3),
                                        rs->getInt64(4), rs->getInt64(5)});
      }
    }));
  }
  return absl::OkStatus();
}

absl::Status MysqlAssessmentStore::LoadUnitTotals(
    const DateRange& range, int request_type,
    std::map<std::string, Totals>* out) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  const MonthSplit split = SplitMonths(range);
  std::vector<std::pair<bool, DateRange>> parts;  // (monthly?, range)
  if (split.months.has_value()) parts.emplace_back(true, *split.months);
  for (const auto& d : split.days) parts.emplace_back(false, d);
  std::vector<std::string> sums;
  for (const char* c : CounterColumns()) {
    sums.push_back(absl::StrCat("SUM(", c, ")"));
  }
  for (const auto& [monthly, r] : parts) {
    const std::string date_col = monthly ? "month_start" : "local_date";
    std::string where = absl::StrCat(date_col, " BETWEEN ? AND ?");
    if (request_type != 0) absl::StrAppend(&where, " AND request_type = ?");
    auto bind = [&, r = r](sql::PreparedStatement* s) {
      s->setString(1, calendar::FormatDate(r.from));
      s->setString(2, calendar::FormatDate(r.to));
      if (request_type != 0) s->setInt(3, request_type);
    };
    ASSIGN_OR_RETURN(
        auto* stmt, conn->Prepare(absl::StrCat(
                        "SELECT unit_id, ", absl::StrJoin(sums, ", "), " FROM ",
                        monthly ? "rollup_unit_month" : "rollup_unit_day",
                        " WHERE ", where, " GROUP BY unit_id")));
    RETURN_IF_ERROR(conn->Guard("sum rollups by unit", [&] {
      bind(stmt);
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
      while (rs->next()) {
        Totals& t = (*out)[rs->getString(1)];
        for (int i = 0; i < kCounterCount; ++i) {
          t.counters.v[i] += rs->getInt64(2 + i);
        }
      }
    }));
    ASSIGN_OR_RETURN(auto* hstmt,
                     conn->Prepare(absl::StrCat(
                         "SELECT unit_id, working_days, SUM(n) FROM ",
                         monthly ? "rollup_handling_month" : "rollup_handling",
                         " WHERE ", where, " GROUP BY unit_id, working_days")));
    RETURN_IF_ERROR(conn->Guard("sum rollup_handling by unit", [&] {
      bind(hstmt);
      std::unique_ptr<sql::ResultSet> rs(hstmt->executeQuery());
      while (rs->next()) {
        (*out)[rs->getString(1)].handling[rs->getInt64(2)] += rs->getInt64(3);
      }
    }));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredFact>> MysqlAssessmentStore::ListFacts(
    const FactFilter& filter) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  std::vector<std::string> conds;
  if (!filter.ticket_id.empty()) conds.push_back("ticket_id = ?");
  if (!filter.ticket_ids.empty()) {
    conds.push_back(absl::StrCat("ticket_id IN (",
                                 Placeholders(filter.ticket_ids.size()), ")"));
  }
  if (!filter.unit_ids.empty()) {
    conds.push_back(absl::StrCat(filter.by_second_unit ? "unit2_id" : "unit_id",
                                 " IN (", Placeholders(filter.unit_ids.size()),
                                 ")"));
  }
  if (filter.range.has_value()) conds.push_back("local_date BETWEEN ? AND ?");
  if (!filter.producers.empty()) {
    conds.push_back(absl::StrCat("producer IN (",
                                 Placeholders(filter.producers.size()), ")"));
  }
  if (!filter.kinds.empty()) {
    conds.push_back(
        absl::StrCat("kind IN (", Placeholders(filter.kinds.size()), ")"));
  }
  if (filter.after_at.has_value()) {
    conds.push_back("(occurred_at > ? OR (occurred_at = ? AND event_id > ?))");
  }
  std::string sql =
      absl::StrCat("SELECT ", kFactColumns, ", event, recorded_at FROM fact");
  if (!conds.empty()) {
    absl::StrAppend(&sql, " WHERE ", absl::StrJoin(conds, " AND "));
  }
  absl::StrAppend(&sql, " ORDER BY occurred_at, event_id");
  if (filter.limit > 0) absl::StrAppend(&sql, " LIMIT ", filter.limit);
  ASSIGN_OR_RETURN(auto* stmt, conn->Prepare(sql));
  return conn->Guard("list facts", [&] {
    int i = 1;
    if (!filter.ticket_id.empty()) stmt->setString(i++, filter.ticket_id);
    for (const auto& t : filter.ticket_ids) stmt->setString(i++, t);
    for (const auto& u : filter.unit_ids) stmt->setString(i++, u);
    if (filter.range.has_value()) {
      stmt->setString(i++, calendar::FormatDate(filter.range->from));
      stmt->setString(i++, calendar::FormatDate(filter.range->to));
    }
    for (const auto& p : filter.producers) stmt->setString(i++, p);
    for (const auto& k : filter.kinds) stmt->setString(i++, k);
    if (filter.after_at.has_value()) {
      stmt->setString(i++, SqlTime(*filter.after_at));
      stmt->setString(i++, SqlTime(*filter.after_at));
      stmt->setString(i++, filter.after_event_id);
    }
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    std::vector<StoredFact> out;
    while (rs->next()) {
      StoredFact f;
      ReadFact(*rs, f.record);
      if (!rs->isNull(kFactColumnCount + 1)) {
        f.event_bytes = rs->getString(kFactColumnCount + 1);
      }
      f.recorded_at = ParseSqlTime(rs->getString(kFactColumnCount + 2));
      out.push_back(std::move(f));
    }
    return out;
  });
}

absl::StatusOr<std::map<std::pair<std::string, std::string>, int64_t>>
MysqlAssessmentStore::Topics(const DateRange& range) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn->Prepare("SELECT category_code, area_code, SUM(n) FROM "
                    "rollup_topic WHERE local_date BETWEEN ? AND ? GROUP BY "
                    "category_code, area_code"));
  return conn->Guard("topics", [&] {
    stmt->setString(1, calendar::FormatDate(range.from));
    stmt->setString(2, calendar::FormatDate(range.to));
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    std::map<std::pair<std::string, std::string>, int64_t> out;
    while (rs->next()) {
      out[{rs->getString(1), rs->getString(2)}] += rs->getInt64(3);
    }
    return out;
  });
}

absl::StatusOr<std::optional<std::string>> MysqlAssessmentStore::FindRequest(
    const std::string& request_id, const std::string& rpc,
    const std::string& request_hash) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(auto* stmt,
                   conn->Prepare("SELECT rpc, request_hash, response FROM "
                                 "request_log WHERE request_id = ?"));
  ASSIGN_OR_RETURN(
      auto found,
      conn->Guard("find request",
                  [&]() -> std::optional<
                            std::tuple<std::string, std::string, std::string>> {
                    stmt->setString(1, request_id);
                    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
                    if (!rs->next()) return std::nullopt;
                    return std::make_tuple(std::string(rs->getString(1)),
                                           std::string(rs->getString(2)),
                                           std::string(rs->getString(3)));
                  }));
  if (!found.has_value()) return std::optional<std::string>();
  if (std::get<0>(*found) != rpc || std::get<1>(*found) != request_hash) {
    return absl::AlreadyExistsError(
        "request_id: already used for a different request");
  }
  return std::optional<std::string>(std::get<2>(*found));
}

absl::Status MysqlAssessmentStore::SaveRequest(const std::string& request_id,
                                               const std::string& rpc,
                                               const std::string& request_hash,
                                               const std::string& response) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(auto* stmt,
                   conn->Prepare("INSERT INTO request_log (request_id, rpc, "
                                 "request_hash, response) VALUES (?,?,?,?)"));
  return conn->Guard("save request", [&] {
    stmt->setString(1, request_id);
    stmt->setString(2, rpc);
    stmt->setString(3, request_hash);
    stmt->setString(4, response);
    stmt->executeUpdate();
  });
}

absl::StatusOr<std::optional<absl::Time>> MysqlAssessmentStore::FactsThrough() {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(auto* stmt,
                   conn->Prepare("SELECT recorded_at FROM fact ORDER BY id "
                                 "DESC LIMIT 1"));
  return conn->Guard("facts through", [&]() -> std::optional<absl::Time> {
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    if (!rs->next()) return std::nullopt;
    return ParseSqlTime(rs->getString(1));
  });
}

namespace {

constexpr char kStoredReportColumns[] =
    "month, title, from_date, to_date, generated_at, facts_through, "
    "documents";

StoredReportRow ReadStoredReport(sql::ResultSet& rs, bool with_response) {
  StoredReportRow r;
  r.month = rs.getString(1);
  r.title = rs.getString(2);
  r.from_date = ParseDay(rs.getString(3));
  r.to_date = ParseDay(rs.getString(4));
  r.generated_at = ParseSqlTime(rs.getString(5));
  if (!rs.isNull(6)) r.facts_through = ParseSqlTime(rs.getString(6));
  r.documents = rs.getInt(7);
  if (with_response) r.response = rs.getString(8);
  return r;
}

}  // namespace

absl::StatusOr<bool> MysqlAssessmentStore::InsertStoredReport(
    const StoredReportRow& row) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(auto* stmt, conn->Prepare(absl::StrCat(
                                   "INSERT IGNORE INTO stored_report (",
                                   kStoredReportColumns,
                                   ", response) VALUES (?,?,?,?,?,?,?,?)")));
  return conn->Guard("store report", [&]() -> bool {
    stmt->setString(1, row.month);
    stmt->setString(2, row.title);
    stmt->setString(3, calendar::FormatDate(row.from_date));
    stmt->setString(4, calendar::FormatDate(row.to_date));
    stmt->setString(5, SqlTime(row.generated_at));
    if (row.facts_through.has_value()) {
      stmt->setString(6, SqlTime(*row.facts_through));
    } else {
      stmt->setNull(6, 0);
    }
    stmt->setInt(7, row.documents);
    stmt->setString(8, row.response);
    return stmt->executeUpdate() == 1;
  });
}

absl::StatusOr<bool> MysqlAssessmentStore::HasStoredReport(
    const std::string& month) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(
      auto* stmt, conn->Prepare("SELECT 1 FROM stored_report WHERE month = ?"));
  return conn->Guard("has stored report", [&]() -> bool {
    stmt->setString(1, month);
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    return rs->next();
  });
}

absl::StatusOr<std::vector<StoredReportRow>>
MysqlAssessmentStore::ListStoredReports(const std::string& from_month,
                                        const std::string& to_month,
                                        const std::string& before_month,
                                        int limit) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  std::vector<std::string> where = {"1 = 1"}, args;
  if (!from_month.empty()) {
    where.push_back("month >= ?");
    args.push_back(from_month);
  }
  if (!to_month.empty()) {
    where.push_back("month <= ?");
    args.push_back(to_month);
  }
  if (!before_month.empty()) {
    where.push_back("month < ?");
    args.push_back(before_month);
  }
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn->Prepare(absl::StrCat(
          "SELECT ", kStoredReportColumns, " FROM stored_report WHERE ",
          absl::StrJoin(where, " AND "), " ORDER BY month DESC LIMIT ",
          std::max(1, limit))));
  return conn->Guard("list stored reports", [&] {
    for (size_t i = 0; i < args.size(); ++i) {
      stmt->setString(static_cast<int>(i + 1), args[i]);
    }
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    std::vector<StoredReportRow> out;
    while (rs->next()) out.push_back(ReadStoredReport(*rs, false));
    return out;
  });
}

absl::StatusOr<std::optional<StoredReportRow>>
MysqlAssessmentStore::GetStoredReport(const std::string& month) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  ASSIGN_OR_RETURN(auto* stmt,
                   conn->Prepare(absl::StrCat(
                       "SELECT ", kStoredReportColumns,
                       ", response FROM stored_report WHERE month = ?")));
  return conn->Guard("get stored report",
                     [&]() -> std::optional<StoredReportRow> {
                       stmt->setString(1, month);
                       std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
                       if (!rs->next()) return std::nullopt;
                       return ReadStoredReport(*rs, true);
                     });
}

}  // namespace hotline::assessment
