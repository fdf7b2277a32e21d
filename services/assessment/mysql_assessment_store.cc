#include "services/assessment/mysql_assessment_store.h"

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
#include "common/server/proto_time.h"
#include "common/status/status.h"

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
  for (const auto& [unit, counters] :
       {std::make_pair(f.unit_id, &c.counters),
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
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn.Prepare(absl::StrCat("INSERT INTO fact (", kFactColumns,
                                ", event) VALUES (",
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

// True when this is the first DutyGap of the unit's day (the row is new).
// Concurrent deliveries of the same day serialise on the primary key.
absl::StatusOr<bool> RecordDutyGapDay(db::Connection& conn,
                                      const std::string& unit_id,
                                      absl::CivilDay day,
                                      const std::string& event_id) {
  ASSIGN_OR_RETURN(auto* stmt,
                   conn.Prepare("INSERT IGNORE INTO duty_gap_day (unit_id, "
                                "local_date, event_id) VALUES (?,?,?)"));
  return conn.Guard("record duty_gap_day", [&] {
    stmt->setString(1, unit_id);
    stmt->setString(2, calendar::FormatDate(day));
    stmt->setString(3, event_id);
    return stmt->executeUpdate() == 1;
  });
}

// Keeps overdue_clock / overdue_accrual: every ClockOverdue of a completion
// clock, and the instant its ClockStopped judged it.
absl::Status TrackOverdue(db::Connection& conn, const v1::TicketEvent& e,
                          const FactPlan& plan) {
  if (e.has_clock_overdue() && IsCompletionClock(e.clock_overdue().kind())) {
    const auto& o = e.clock_overdue();
    const absl::Time as_of =
        o.has_as_of() ? FromProto(o.as_of()) : FromProto(e.occurred_at());
    ASSIGN_OR_RETURN(
        auto* clock,
        conn.Prepare(
            "INSERT INTO overdue_clock (clock_id, ticket_id, ticket_number, "
            "kind, request_type, due, overdue_since, first_event_id, rule, "
            "article) VALUES (?,?,?,?,?,?,?,?,?,?) ON DUPLICATE KEY UPDATE "
            "kind = VALUES(kind)"));
    RETURN_IF_ERROR(conn.Guard("upsert overdue_clock", [&] {
      clock->setString(1, o.clock_id());
      clock->setString(2, e.ticket_id());
      clock->setString(3, plan.ticket.ticket_number.substr(0, 32));
      clock->setInt(4, o.kind());
      clock->setInt(5, plan.fact.request_type);
      clock->setString(6, SqlTime(FromProto(o.due())));
      clock->setString(7, SqlTime(as_of));
      clock->setString(8, e.event_id());
      clock->setString(9, o.rule().substr(0, 64));
      clock->setString(10, o.article().substr(0, 32));
      clock->executeUpdate();
    }));
    ASSIGN_OR_RETURN(
        auto* accrual,
        conn.Prepare("INSERT INTO overdue_accrual (event_id, clock_id, as_of, "
                     "unit_id, added_days) VALUES (?,?,?,?,?)"));
    return conn.Guard("insert overdue_accrual", [&] {
      accrual->setString(1, e.event_id());
      accrual->setString(2, o.clock_id());
      accrual->setString(3, SqlTime(as_of));
      accrual->setString(4, o.unit_id());
      accrual->setInt(5, o.added_working_days());
      accrual->executeUpdate();
    });
  }
  if (e.has_clock_stopped() && IsCompletionClock(e.clock_stopped().kind())) {
    const auto& s = e.clock_stopped();
    const absl::Time judged = s.has_judged_at() ? FromProto(s.judged_at())
                                                : FromProto(e.occurred_at());
    ASSIGN_OR_RETURN(auto* stmt,
                     conn.Prepare("UPDATE overdue_clock SET closed_at = ? "
                                  "WHERE clock_id = ? AND closed_at IS NULL"));
    return conn.Guard("close overdue_clock", [&] {
      stmt->setString(1, SqlTime(judged));
      stmt->setString(2, s.clock_id());
      stmt->executeUpdate();
    });
  }
  return absl::OkStatus();
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
    ASSIGN_OR_RETURN(context.first_duty_gap_of_day,
                     RecordDutyGapDay(conn, day->first, day->second,
                                      event.event_id()));
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
  return db::RunInTransaction(
      *pool_, [&](db::Connection& conn) -> absl::StatusOr<v1::Evaluation> {
        // Idempotent retry?
        {
          ASSIGN_OR_RETURN(
              auto* stmt,
              conn.Prepare(absl::StrCat("SELECT ", kEvaluationColumns,
                                        " FROM evaluation WHERE request_id = "
                                        "?")));
          ASSIGN_OR_RETURN(
              auto prior,
              conn.Guard(
                  "find evaluation by request",
                  [&]()
                      -> std::optional<std::pair<v1::Evaluation, std::string>> {
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
            return prior->first;
          }
        }
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
              std::string existing,
              conn.Guard("find evaluation by ticket", [&] {
                stmt->setString(1, in.ticket_id);
                std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
                return rs->next() ? std::string(rs->getString(1))
                                  : std::string();
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
        return ev;
      });
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

absl::StatusOr<std::vector<OverdueClock>>
MysqlAssessmentStore::LoadOverdueClocks(absl::Time from, absl::Time to) {
  ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
  std::vector<OverdueClock> out;
  std::map<std::string, size_t> index;
  ASSIGN_OR_RETURN(
      auto* stmt,
      conn->Prepare(
          "SELECT clock_id, ticket_id, ticket_number, kind, request_type, "
          "due, overdue_since, first_event_id, rule, article, closed_at FROM "
          "overdue_clock WHERE overdue_since < ? AND (closed_at IS NULL OR "
          "closed_at >= ?) ORDER BY clock_id"));
  RETURN_IF_ERROR(conn->Guard("load overdue_clock", [&] {
    stmt->setString(1, SqlTime(to));
    stmt->setString(2, SqlTime(from));
    std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
    while (rs->next()) {
      OverdueClock c;
      c.clock_id = rs->getString(1);
      c.ticket_id = rs->getString(2);
      c.ticket_number = rs->getString(3);
      c.kind = static_cast<v1::ClockKind>(rs->getInt(4));
      c.request_type = rs->getInt(5);
      c.due = ParseSqlTime(rs->getString(6));
      c.overdue_since = ParseSqlTime(rs->getString(7));
      c.first_event_id = rs->getString(8);
      c.rule = rs->getString(9);
      c.article = rs->getString(10);
      if (!rs->isNull(11)) c.closed_at = ParseSqlTime(rs->getString(11));
      index[c.clock_id] = out.size();
      out.push_back(std::move(c));
    }
  }));
  // Their ClockOverdue events, a bounded number of clocks per statement.
  std::vector<std::string> ids;
  for (const auto& c : out) ids.push_back(c.clock_id);
  for (size_t start = 0; start < ids.size(); start += 500) {
    const size_t n = std::min<size_t>(500, ids.size() - start);
    ASSIGN_OR_RETURN(
        auto* acc,
        conn->Prepare(absl::StrCat(
            "SELECT clock_id, event_id, as_of, unit_id, added_days FROM "
            "overdue_accrual WHERE as_of < ? AND clock_id IN (",
            Placeholders(n), ") ORDER BY clock_id, as_of, event_id")));
    RETURN_IF_ERROR(conn->Guard("load overdue_accrual", [&] {
      acc->setString(1, SqlTime(to));
      for (size_t i = 0; i < n; ++i) acc->setString(2 + i, ids[start + i]);
      std::unique_ptr<sql::ResultSet> rs(acc->executeQuery());
      while (rs->next()) {
        auto it = index.find(rs->getString(1));
        if (it == index.end()) continue;
        out[it->second].accruals.push_back(
            OverdueAccrual{rs->getString(2), ParseSqlTime(rs->getString(3)),
                           rs->getString(4), rs->getInt64(5)});
      }
    }));
  }
  return out;
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

namespace {
using RowKey = std::tuple<std::string, std::string, int>;  // date, unit, type
using HistKey = std::tuple<std::string, std::string, int, int64_t>;
using TopicKey = std::tuple<std::string, std::string, std::string>;
}  // namespace

absl::StatusOr<RebuildOutcome> MysqlAssessmentStore::Rebuild(
    const std::optional<DateRange>& requested, bool verify_only) {
  // Monthly rollups cover whole months: work on the widened range.
  std::optional<DateRange> range;
  if (requested.has_value()) range = WidenToMonths(*requested);
  RebuildOutcome out;
  // [0] daily, [1] monthly.
  std::map<RowKey, Counters> fresh_rows[2], old_rows[2];
  std::map<HistKey, int64_t> fresh_hist[2], old_hist[2];
  std::map<TopicKey, int64_t> fresh_topic, old_topic;
  const char* const kRowTable[2] = {"rollup_unit_day", "rollup_unit_month"};
  const char* const kHistTable[2] = {"rollup_handling",
                                     "rollup_handling_month"};
  const char* const kDateCol[2] = {"local_date", "month_start"};
  auto where = [&](int m) {
    return range.has_value()
               ? absl::StrCat(" WHERE ", kDateCol[m], " BETWEEN ? AND ?")
               : std::string();
  };
  auto bind = [&](sql::PreparedStatement* s) {
    if (range.has_value()) {
      s->setString(1, calendar::FormatDate(range->from));
      s->setString(2, calendar::FormatDate(range->to));
    }
  };
  {
    ASSIGN_OR_RETURN(db::PooledConnection conn, pool_->Acquire());
    ASSIGN_OR_RETURN(
        auto* stmt,
        conn->Prepare(absl::StrCat(
            "SELECT local_date, unit_id, request_type, kind, detail, amount, "
            "category_code, area_code, unit2_id, handling_days FROM fact",
            where(0))));
    RETURN_IF_ERROR(conn->Guard("scan facts", [&] {
      bind(stmt);
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery());
      FactRecord f;
      while (rs->next()) {
        ++out.facts_scanned;
        const std::string date = rs->getString(1);
        const std::string month = date.substr(0, 8) + "01";
        f.unit_id = rs->getString(2);
        f.request_type = rs->getInt(3);
        f.kind = rs->getString(4);
        f.detail = rs->getString(5);
        f.amount = rs->getInt64(6);
        f.unit2_id = rs->getString(9);
        if (rs->isNull(10)) {
          f.handling_days.reset();
        } else {
          f.handling_days = rs->getInt64(10);
        }
        const Contribution c = ContributionOf(f);
        for (const auto& [unit, counters] :
             {std::make_pair(f.unit_id, &c.counters),
              std::make_pair(f.unit2_id, &c.second)}) {
          if (counters->IsZero()) continue;
          fresh_rows[0][{date, unit, f.request_type}].Add(*counters);
          fresh_rows[1][{month, unit, f.request_type}].Add(*counters);
        }
        if (c.handling_days.has_value()) {
          ++fresh_hist[0][{date, f.unit_id, f.request_type, *c.handling_days}];
          ++fresh_hist[1][{month, f.unit_id, f.request_type, *c.handling_days}];
        }
        if (c.topic) {
          ++fresh_topic[{date, rs->getString(7), rs->getString(8)}];
        }
      }
    }));
    for (int m = 0; m < 2; ++m) {
      ASSIGN_OR_RETURN(auto* rstmt,
                       conn->Prepare(absl::StrCat(
                           "SELECT ", kDateCol[m], ", unit_id, request_type, ",
                           absl::StrJoin(CounterColumns(), ", "), " FROM ",
                           kRowTable[m], where(m))));
      RETURN_IF_ERROR(conn->Guard("scan rollups", [&] {
        bind(rstmt);
        std::unique_ptr<sql::ResultSet> rs(rstmt->executeQuery());
        while (rs->next()) {
          Counters c;
          for (int i = 0; i < kCounterCount; ++i) c.v[i] = rs->getInt64(4 + i);
          old_rows[m][{rs->getString(1), rs->getString(2), rs->getInt(3)}] = c;
        }
      }));
      ASSIGN_OR_RETURN(
          auto* hstmt,
          conn->Prepare(absl::StrCat("SELECT ", kDateCol[m],
                                     ", unit_id, request_type, working_days, "
                                     "n FROM ",
                                     kHistTable[m], where(m))));
      RETURN_IF_ERROR(conn->Guard("scan rollup_handling", [&] {
        bind(hstmt);
        std::unique_ptr<sql::ResultSet> rs(hstmt->executeQuery());
        while (rs->next()) {
          old_hist[m][{rs->getString(1), rs->getString(2), rs->getInt(3),
                       rs->getInt64(4)}] = rs->getInt64(5);
        }
      }));
    }
    ASSIGN_OR_RETURN(
        auto* tstmt,
        conn->Prepare(absl::StrCat(
            "SELECT local_date, category_code, area_code, n FROM rollup_topic",
            where(0))));
    RETURN_IF_ERROR(conn->Guard("scan rollup_topic", [&] {
      bind(tstmt);
      std::unique_ptr<sql::ResultSet> rs(tstmt->executeQuery());
      while (rs->next()) {
        old_topic[{rs->getString(1), rs->getString(2), rs->getString(3)}] =
            rs->getInt64(4);
      }
    }));
  }
  for (int m = 0; m < 2; ++m) {
    out.rollup_rows +=
        static_cast<int64_t>(old_rows[m].size() + old_hist[m].size());
  }
  out.rollup_rows += static_cast<int64_t>(old_topic.size());
  auto mismatch = [&](const std::string& unit, const std::string& date,
                      const std::string& indicator, int64_t inc, int64_t rec) {
    ++out.mismatches;
    if (out.examples.size() < 100) {
      v1::RollupMismatch mm;
      mm.set_unit_id(unit);
      mm.set_date(date);
      mm.set_indicator(indicator);
      mm.set_incremental(static_cast<double>(inc));
      mm.set_recomputed(static_cast<double>(rec));
      out.examples.push_back(std::move(mm));
    }
  };
  for (int m = 0; m < 2; ++m) {
    const std::string scope = m == 0 ? "" : "month:";
    std::map<RowKey, std::pair<Counters, Counters>> all;
    for (const auto& [k, c] : old_rows[m]) all[k].first = c;
    for (const auto& [k, c] : fresh_rows[m]) all[k].second = c;
    for (const auto& [k, p] : all) {
      for (int i = 0; i < kCounterCount; ++i) {
        if (p.first.v[i] != p.second.v[i]) {
          mismatch(std::get<1>(k), std::get<0>(k),
                   absl::StrCat(scope, CounterColumns()[i], "[type ",
                                std::get<2>(k), "]"),
                   p.first.v[i], p.second.v[i]);
        }
      }
    }
    std::map<HistKey, std::pair<int64_t, int64_t>> h;
    for (const auto& [k, n] : old_hist[m]) h[k].first = n;
    for (const auto& [k, n] : fresh_hist[m]) h[k].second = n;
    for (const auto& [k, p] : h) {
      if (p.first != p.second) {
        mismatch(std::get<1>(k), std::get<0>(k),
                 absl::StrCat(scope, "handling_days=", std::get<3>(k)), p.first,
                 p.second);
      }
    }
  }
  {
    std::map<TopicKey, std::pair<int64_t, int64_t>> t;
    for (const auto& [k, n] : old_topic) t[k].first = n;
    for (const auto& [k, n] : fresh_topic) t[k].second = n;
    for (const auto& [k, p] : t) {
      if (p.first != p.second) {
        mismatch(std::get<2>(k), std::get<0>(k),
                 absl::StrCat("topic:", std::get<1>(k)), p.first, p.second);
      }
    }
  }
  if (verify_only || out.mismatches == 0) return out;
  RETURN_IF_ERROR(
      db::RunInTransaction(*pool_, [&](db::Connection& conn) -> absl::Status {
        for (int m = 0; m < 2; ++m) {
          for (const char* table : {kRowTable[m], kHistTable[m]}) {
            ASSIGN_OR_RETURN(auto* del, conn.Prepare(absl::StrCat(
                                            "DELETE FROM ", table, where(m))));
            RETURN_IF_ERROR(conn.Guard("clear rollups", [&] {
              bind(del);
              del->executeUpdate();
            }));
          }
          for (const auto& [k, c] : fresh_rows[m]) {
            ASSIGN_OR_RETURN(auto* stmt,
                             conn.Prepare(m == 0 ? RollupUpsertSql()
                                                 : RollupMonthUpsertSql()));
            RETURN_IF_ERROR(conn.Guard("write rollup", [&] {
              stmt->setString(1, std::get<0>(k));
              stmt->setString(2, std::get<1>(k));
              stmt->setInt(3, std::get<2>(k));
              for (int i = 0; i < kCounterCount; ++i) {
                stmt->setInt64(4 + i, c.v[i]);
              }
              stmt->executeUpdate();
            }));
          }
          for (const auto& [k, n] : fresh_hist[m]) {
            ASSIGN_OR_RETURN(
                auto* stmt,
                conn.Prepare(absl::StrCat(
                    "INSERT INTO ", kHistTable[m], " (", kDateCol[m],
                    ", unit_id, request_type, "
                    "working_days, n) VALUES (?,?,?,?,?)")));
            RETURN_IF_ERROR(conn.Guard("write rollup_handling", [&] {
              stmt->setString(1, std::get<0>(k));
              stmt->setString(2, std::get<1>(k));
              stmt->setInt(3, std::get<2>(k));
              stmt->setInt64(4, std::get<3>(k));
              stmt->setInt64(5, n);
              stmt->executeUpdate();
            }));
          }
        }
        ASSIGN_OR_RETURN(auto* del, conn.Prepare(absl::StrCat(
                                        "DELETE FROM rollup_topic", where(0))));
        RETURN_IF_ERROR(conn.Guard("clear rollup_topic", [&] {
          bind(del);
          del->executeUpdate();
        }));
        for (const auto& [k, n] : fresh_topic) {
          ASSIGN_OR_RETURN(
              auto* stmt,
              conn.Prepare(
                  "INSERT INTO rollup_topic (local_date, category_code, "
                  "area_code, n) VALUES (?,?,?,?)"));
          RETURN_IF_ERROR(conn.Guard("write rollup_topic", [&] {
            stmt->setString(1, std::get<0>(k));
            stmt->setString(2, std::get<1>(k));
            stmt->setString(3, std::get<2>(k));
            stmt->setInt64(4, n);
            stmt->executeUpdate();
          }));
        }
        return absl::OkStatus();
      }));
  return out;
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

}  // namespace hotline::assessment
