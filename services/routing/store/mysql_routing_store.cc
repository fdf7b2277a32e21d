#include "services/routing/store/mysql_routing_store.h"

#include <algorithm>
#include <memory>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/db/multi_row.h"
#include "common/db/sql_text.h"
#include "common/outbox/outbox.h"
#include "common/server/proto_time.h"
#include "common/status/status.h"

namespace hotline::routing {
namespace {

std::string Blob(sql::ResultSet& rs, const char* col) {
  return rs.getString(col);
}

constexpr char kAssignmentColumns[] =
    "ticket_id, last_dispute_round, dispute_upheld, redispatch_cause, "
    "touched_units, intake_limit, body";

AssignmentState ReadAssignment(sql::ResultSet& rs) {
  AssignmentState s;
  s.view.ParseFromString(Blob(rs, "body"));
  s.last_dispute_round = rs.getInt("last_dispute_round");
  s.dispute_upheld = rs.getInt("dispute_upheld") != 0;
  s.redispatch_cause =
      static_cast<v1::RedispatchCause>(rs.getInt("redispatch_cause"));
  std::string touched = rs.getString("touched_units");
  if (!touched.empty()) s.touched_units = absl::StrSplit(touched, ',');
  if (!rs.isNull("intake_limit")) {
    v1::HandlingLimit l;
    l.ParseFromString(rs.getString("intake_limit"));
    s.intake_limit = l;
  }
  return s;
}

// Changes the directory stamp (routing_store.h, DirectoryStamp): called
// first by every write of units or rules, inside the writer's transaction.
absl::Status BumpDirectoryStamp(db::Connection& c) {
  static thread_local absl::BitGen gen;
  ASSIGN_OR_RETURN(auto* st,
                   c.Prepare("INSERT INTO directory_stamp (id, version, stamp) "
                             "VALUES (1, 1, ?) ON DUPLICATE KEY UPDATE "
                             "version = version + 1, stamp = VALUES(stamp)"));
  return c.Guard("bump directory stamp", [&] {
    st->setInt64(1, absl::Uniform<int64_t>(gen, 1, INT64_MAX));
    st->executeUpdate();
    return absl::OkStatus();
  });
}

// The co-unit rows SaveAssignment writes for `v`.
bool SameCoUnitRows(const v1::Assignment& a, const v1::Assignment& b) {
  if (a.ticket_id() != b.ticket_id()) return false;
  if (a.co_units_size() != b.co_units_size()) return false;
  for (int i = 0; i < a.co_units_size(); ++i) {
    const auto& x = a.co_units(i);
    const auto& y = b.co_units(i);
    if (x.unit_id() != y.unit_id() ||
        x.opinion_submitted() != y.opinion_submitted() ||
        x.released() != y.released()) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<DirectoryStamp> MysqlRoutingStore::GetDirectoryStamp(
    db::Connection& c) {
  ASSIGN_OR_RETURN(
      auto* st,
      c.Prepare("SELECT version, stamp FROM directory_stamp WHERE id = 1"));
  return c.Guard("directory stamp", [&] {
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
    DirectoryStamp out;
    if (rs->next()) {
      out.version = rs->getInt64("version");
      out.stamp = rs->getInt64("stamp");
    }
    return out;
  });
}

absl::StatusOr<std::vector<v1::Unit>> MysqlRoutingStore::LoadUnits(
    db::Connection& c) {
  ASSIGN_OR_RETURN(auto* st, c.Prepare("SELECT body FROM unit"));
  return c.Guard("load units", [&] {
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
    std::vector<v1::Unit> out;
    while (rs->next()) {
      v1::Unit u;
      u.ParseFromString(Blob(*rs, "body"));
      out.push_back(std::move(u));
    }
    return out;
  });
}

absl::Status MysqlRoutingStore::PutUnit(db::Connection& c, const v1::Unit& u) {
  RETURN_IF_ERROR(BumpDirectoryStamp(c));
  ASSIGN_OR_RETURN(
      auto* st,
      c.Prepare(
          "INSERT INTO unit (unit_id, parent_unit_id, kind, active, "
          "sort_order, version, body) VALUES (?,?,?,?,?,?,?) "
          "ON DUPLICATE KEY UPDATE parent_unit_id = VALUES(parent_unit_id), "
          "kind = VALUES(kind), active = VALUES(active), "
          "sort_order = VALUES(sort_order), version = VALUES(version), "
          "body = VALUES(body)"));
  return c.Guard("put unit", [&] {
    st->setString(1, u.unit_id());
    if (u.parent_unit_id().empty()) {
      st->setNull(2, sql::DataType::VARCHAR);
    } else {
      st->setString(2, u.parent_unit_id());
    }
    st->setInt(3, u.kind());
    st->setInt(4, u.active() ? 1 : 0);
    st->setInt(5, u.sort_order());
    st->setInt64(6, u.version());
    st->setString(7, u.SerializeAsString());
    st->executeUpdate();
    return absl::OkStatus();
  });
}

absl::StatusOr<int64_t> MysqlRoutingStore::CountOpenHeld(
    db::Connection& c, const std::vector<std::string>& units) {
  if (units.empty()) return 0;
  const auto& open = OpenStatuses();
  ASSIGN_OR_RETURN(
      auto* st, c.Prepare(absl::StrCat(
                    "SELECT COUNT(*) FROM assignment WHERE holder_unit_id IN (",
                    db::SqlRows("?", units.size()), ") AND status IN (",
                    absl::StrJoin(open, ","), ")")));
  return c.Guard("count held", [&] {
    for (size_t i = 0; i < units.size(); ++i) st->setString(i + 1, units[i]);
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
    rs->next();
    return static_cast<int64_t>(rs->getInt64(1));
  });
}

absl::StatusOr<std::vector<v1::DutyEntry>> MysqlRoutingStore::GetDuty(
    db::Connection& c, const std::string& unit, const std::string& from,
    const std::string& to) {
  ASSIGN_OR_RETURN(
      auto* st,
      c.Prepare("SELECT DATE_FORMAT(duty_date, '%Y-%m-%d') AS d, leader FROM "
                "duty WHERE unit_id = ? AND duty_date BETWEEN ? AND ? "
                "ORDER BY duty_date"));
  return c.Guard("get duty", [&] {
    st->setString(1, unit);
    st->setString(2, from);
    st->setString(3, to);
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
    std::vector<v1::DutyEntry> out;
    while (rs->next()) {
      v1::DutyEntry e;
      e.set_date(rs->getString("d"));
      e.mutable_leader()->ParseFromString(Blob(*rs, "leader"));
      out.push_back(std::move(e));
    }
    return out;
  });
}

absl::StatusOr<std::vector<std::pair<std::string, v1::DutyEntry>>>
MysqlRoutingStore::AllDuty(db::Connection& c) {
  ASSIGN_OR_RETURN(
      auto* st,
      c.Prepare("SELECT unit_id, DATE_FORMAT(duty_date, '%Y-%m-%d') AS d, "
                "leader FROM duty ORDER BY unit_id, duty_date"));
  return c.Guard("all duty", [&] {
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
    std::vector<std::pair<std::string, v1::DutyEntry>> out;
    while (rs->next()) {
      v1::DutyEntry e;
      e.set_date(rs->getString("d"));
      e.mutable_leader()->ParseFromString(Blob(*rs, "leader"));
      out.emplace_back(rs->getString("unit_id"), std::move(e));
    }
    return out;
  });
}

absl::Status MysqlRoutingStore::ClearDuty(db::Connection& c,
                                          const std::string& unit,
                                          const std::string& date) {
  ASSIGN_OR_RETURN(auto* st, c.Prepare("DELETE FROM duty WHERE unit_id = ? "
                                       "AND duty_date = ?"));
  return c.Guard("clear duty", [&] {
    st->setString(1, unit);
    st->setString(2, date);
    st->executeUpdate();
    return absl::OkStatus();
  });
}

absl::Status MysqlRoutingStore::PutDuty(db::Connection& c,
                                        const std::string& unit,
                                        const v1::DutyEntry& e) {
  ASSIGN_OR_RETURN(auto* st,
                   c.Prepare("INSERT INTO duty (unit_id, duty_date, leader) "
                             "VALUES (?,?,?) ON DUPLICATE KEY UPDATE "
                             "leader = VALUES(leader)"));
  return c.Guard("put duty", [&] {
    st->setString(1, unit);
    st->setString(2, e.date());
    st->setString(3, e.leader().SerializeAsString());
    st->executeUpdate();
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<v1::DispatchRule>> MysqlRoutingStore::LoadRules(
    db::Connection& c) {
  ASSIGN_OR_RETURN(auto* st, c.Prepare("SELECT body FROM dispatch_rule ORDER "
                                       "BY priority DESC, rule_id"));
  return c.Guard("load rules", [&] {
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
    std::vector<v1::DispatchRule> out;
    while (rs->next()) {
      v1::DispatchRule r;
      r.ParseFromString(Blob(*rs, "body"));
      out.push_back(std::move(r));
    }
    return out;
  });
}

absl::Status MysqlRoutingStore::PutRule(db::Connection& c,
                                        const v1::DispatchRule& r) {
  RETURN_IF_ERROR(BumpDirectoryStamp(c));
  ASSIGN_OR_RETURN(
      auto* st,
      c.Prepare(
          "INSERT INTO dispatch_rule (rule_id, priority, active, version, "
          "body) VALUES (?,?,?,?,?) ON DUPLICATE KEY UPDATE "
          "priority = VALUES(priority), active = VALUES(active), "
          "version = VALUES(version), body = VALUES(body)"));
  return c.Guard("put rule", [&] {
    st->setString(1, r.rule_id());
    st->setInt(2, r.priority());
    st->setInt(3, r.active() ? 1 : 0);
    st->setInt64(4, r.version());
    st->setString(5, r.SerializeAsString());
    st->executeUpdate();
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> MysqlRoutingStore::DeleteRule(db::Connection& c,
                                                   const std::string& rule_id) {
  RETURN_IF_ERROR(BumpDirectoryStamp(c));
  ASSIGN_OR_RETURN(auto* st,
                   c.Prepare("DELETE FROM dispatch_rule WHERE rule_id = ?"));
  return c.Guard("delete rule", [&] {
    st->setString(1, rule_id);
    return st->executeUpdate() > 0;
  });
}

absl::StatusOr<std::optional<AssignmentState>>
MysqlRoutingStore::LoadAssignment(db::Connection& c,
                                  const std::string& ticket_id,
                                  bool for_update) {
  ASSIGN_OR_RETURN(
      auto* st, c.Prepare(absl::StrCat("SELECT ", kAssignmentColumns,
                                       " FROM assignment WHERE ticket_id = ?",
                                       for_update ? " FOR UPDATE" : "")));
  return c.Guard("load assignment", [&] {
    st->setString(1, ticket_id);
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
    std::optional<AssignmentState> out;
    if (rs->next()) out = ReadAssignment(*rs);
    return out;
  });
}

absl::StatusOr<std::map<std::string, AssignmentState>>
MysqlRoutingStore::LockAssignments(db::Connection& c,
                                   const std::vector<std::string>& ticket_ids) {
  std::map<std::string, AssignmentState> out;
  for (const std::vector<std::string>& ids : db::PaddedIdChunks(ticket_ids)) {
    ASSIGN_OR_RETURN(auto* st, c.Prepare(absl::StrCat(
                                   "SELECT ", kAssignmentColumns,
                                   " FROM assignment WHERE ticket_id IN (",
                                   db::SqlRows("?", ids.size()),
                                   ") ORDER BY ticket_id FOR UPDATE")));
    RETURN_IF_ERROR(c.Guard("lock assignments", [&] {
      for (size_t i = 0; i < ids.size(); ++i) st->setString(i + 1, ids[i]);
      std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
      while (rs->next()) {
        std::string id = rs->getString("ticket_id");
        out.emplace(std::move(id), ReadAssignment(*rs));
      }
      return absl::OkStatus();
    }));
  }
  return out;
}

absl::Status MysqlRoutingStore::SaveAssignment(db::Connection& c,
                                               const AssignmentState& s,
                                               const AssignmentState* stored) {
  return SaveAssignments(c, {{&s, stored}});
}

absl::Status MysqlRoutingStore::SaveAssignments(
    db::Connection& c,
    const std::vector<
        std::pair<const AssignmentState*, const AssignmentState*>>& states) {
  if (states.empty()) return absl::OkStatus();
  // In ticket order: concurrent writers lock the rows in the same order.
  std::vector<std::pair<const AssignmentState*, const AssignmentState*>>
      sorted = states;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.first->view.ticket_id() < b.first->view.ticket_id();
  });
  RETURN_IF_ERROR(db::WriteRows(
      c, sorted,
      {"INSERT INTO assignment (ticket_id, status, holder_unit_id, urgency, "
       "received_at, dispatched_at, next_due, last_dispute_round, "
       "dispute_upheld, redispatch_cause, touched_units, intake_limit, body) "
       "VALUES ",
       "(?,?,?,?,?,?,?,?,?,?,?,?,?)",
       " ON DUPLICATE KEY UPDATE "
       "status = VALUES(status), holder_unit_id = VALUES(holder_unit_id), "
       "urgency = VALUES(urgency), received_at = VALUES(received_at), "
       "dispatched_at = VALUES(dispatched_at), next_due = VALUES(next_due), "
       "last_dispute_round = VALUES(last_dispute_round), "
       "dispute_upheld = VALUES(dispute_upheld), "
       "redispatch_cause = VALUES(redispatch_cause), "
       "touched_units = VALUES(touched_units), "
       "intake_limit = VALUES(intake_limit), body = VALUES(body)",
       "save assignments"},
      [](sql::PreparedStatement* st, unsigned i, const auto& row) {
        const AssignmentState& s = *row.first;
        const auto& v = s.view;
        st->setString(i++, v.ticket_id());
        st->setInt(i++, v.status());
        st->setString(i++, v.holder_unit_id());
        st->setInt(i++, v.urgency());
        st->setString(i++, SqlTime(FromProto(v.received_at())));
        if (v.has_dispatched_at()) {
          st->setString(i++, SqlTime(FromProto(v.dispatched_at())));
        } else {
          st->setNull(i++, sql::DataType::VARCHAR);
        }
        if (v.has_next_due()) {
          st->setString(i++, SqlTime(FromProto(v.next_due())));
        } else {
          st->setNull(i++, sql::DataType::VARCHAR);
        }
        st->setInt(i++, s.last_dispute_round);
        st->setInt(i++, s.dispute_upheld ? 1 : 0);
        st->setInt(i++, s.redispatch_cause);
        st->setString(i++, absl::StrJoin(s.touched_units, ","));
        if (s.intake_limit) {
          st->setString(i++, s.intake_limit->SerializeAsString());
        } else {
          st->setNull(i++, sql::DataType::VARCHAR);
        }
        st->setString(i++, v.SerializeAsString());
        return i;
      }));
  // Co-units of the current round, for worklists: rewritten only for the
  // orders whose co-units changed (a new order has no rows to remove).
  std::vector<std::string> clear;
  std::vector<const v1::Assignment*> write;
  size_t rows = 0;
  for (const auto& [s, stored] : sorted) {
    const auto& v = s->view;
    if (stored != nullptr && SameCoUnitRows(stored->view, v)) continue;
    if (stored != nullptr && stored->view.co_units_size() > 0) {
      clear.push_back(v.ticket_id());
    }
    if (v.co_units_size() > 0) {
      write.push_back(&v);
      rows += v.co_units_size();
    }
  }
  for (const std::vector<std::string>& ids : db::PaddedIdChunks(clear)) {
    ASSIGN_OR_RETURN(auto* del,
                     c.Prepare(absl::StrCat(
                         "DELETE FROM assignment_co_unit WHERE ticket_id IN (",
                         db::SqlRows("?", ids.size()), ")")));
    RETURN_IF_ERROR(c.Guard("clear co-units", [&] {
      for (size_t i = 0; i < ids.size(); ++i) del->setString(i + 1, ids[i]);
      del->executeUpdate();
      return absl::OkStatus();
    }));
  }
  struct CoUnitRow {
    const std::string* ticket;
    const v1::CoUnit* co;
  };
  std::vector<CoUnitRow> co_rows;
  co_rows.reserve(rows);
  for (const v1::Assignment* v : write) {
    for (const auto& cu : v->co_units())
      co_rows.push_back({&v->ticket_id(), &cu});
  }
  return db::WriteRows(
      c, co_rows,
      {"INSERT INTO assignment_co_unit (ticket_id, unit_id, submitted, "
       "released) VALUES ",
       "(?,?,?,?)", "", "save co-units"},
      [](sql::PreparedStatement* ins, unsigned i, const CoUnitRow& r) {
        ins->setString(i++, *r.ticket);
        ins->setString(i++, r.co->unit_id());
        ins->setInt(i++, r.co->opinion_submitted() ? 1 : 0);
        ins->setInt(i++, r.co->released() ? 1 : 0);
        return i;
      });
}

absl::StatusOr<std::vector<AssignmentState>> MysqlRoutingStore::ListWork(
    db::Connection& c, const WorkQuery& q) {
  const std::vector<int>& statuses =
      q.statuses.empty() ? OpenStatuses() : q.statuses;
  std::vector<std::string> ors;
  if (!q.holders.empty()) {
    ors.push_back(absl::StrCat("holder_unit_id IN (",
                               db::SqlRows("?", q.holders.size()), ")"));
  }
  if (!q.co_units.empty()) {
    ors.push_back(absl::StrCat(
        "ticket_id IN (SELECT ticket_id FROM assignment_co_unit WHERE "
        "submitted = 0 AND released = 0 AND unit_id IN (",
        db::SqlRows("?", q.co_units.size()), "))"));
  }
  if (ors.empty()) return std::vector<AssignmentState>{};
  std::string sql = absl::StrCat(
      "SELECT ", kAssignmentColumns, " FROM assignment WHERE status IN (",
      absl::StrJoin(statuses, ","), ") AND (", absl::StrJoin(ors, " OR "), ")",
      q.due_before ? " AND next_due < ?" : "",
      " ORDER BY next_due IS NULL, next_due, dispatched_at, ticket_id "
      "LIMIT ? OFFSET ?");
  ASSIGN_OR_RETURN(auto* st, c.Prepare(sql));
  return c.Guard("list work", [&] {
    int i = 1;
    for (const auto& h : q.holders) st->setString(i++, h);
    for (const auto& u : q.co_units) st->setString(i++, u);
    if (q.due_before) st->setString(i++, SqlTime(*q.due_before));
    st->setInt(i++, q.limit);
    st->setInt(i++, q.offset);
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
    std::vector<AssignmentState> out;
    while (rs->next()) out.push_back(ReadAssignment(*rs));
    return out;
  });
}

absl::StatusOr<std::vector<AssignmentState>> MysqlRoutingStore::ListCenterQueue(
    db::Connection& c, const std::string& center, const CenterQueueSelection& q,
    int limit, int offset) {
  std::vector<std::string> ors;
  if (!q.anywhere.empty()) {
    ors.push_back(
        absl::StrCat("status IN (", absl::StrJoin(q.anywhere, ","), ")"));
  }
  const bool at_center = !q.at_center.empty();
  if (at_center) {
    ors.push_back(absl::StrCat("(status IN (", absl::StrJoin(q.at_center, ","),
                               ") AND holder_unit_id = ?)"));
  }
  if (ors.empty()) return std::vector<AssignmentState>{};
  ASSIGN_OR_RETURN(auto* st,
                   c.Prepare(absl::StrCat(
                       "SELECT ", kAssignmentColumns, " FROM assignment WHERE ",
                       absl::StrJoin(ors, " OR "),
                       " ORDER BY urgency DESC, received_at, ticket_id "
                       "LIMIT ? OFFSET ?")));
  return c.Guard("list queue", [&] {
    int i = 1;
    if (at_center) st->setString(i++, center);
    st->setInt(i++, limit);
    st->setInt(i++, offset);
    std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
    std::vector<AssignmentState> out;
    while (rs->next()) out.push_back(ReadAssignment(*rs));
    return out;
  });
}

absl::StatusOr<std::vector<StoredClock>> MysqlRoutingStore::LockClocks(
    db::Connection& c, const std::vector<std::string>& ticket_ids,
    const std::vector<std::string>& clock_ids) {
  // One statement per key and chunk (an OR of the two keys could make the
  // optimizer scan the table, locking every row); a clock found by both is
  // returned twice.
  std::vector<StoredClock> out;
  for (const char* key : {"ticket_id", "clock_id"}) {
    const std::vector<std::string>& wanted =
        key == std::string("ticket_id") ? ticket_ids : clock_ids;
    for (const std::vector<std::string>& ids : db::PaddedIdChunks(wanted)) {
      ASSIGN_OR_RETURN(
          auto* st,
          c.Prepare(absl::StrCat(
              "SELECT clock_id, ticket_id, kind, dispatch_round, "
              "DATE_FORMAT(due, '%Y-%m-%d %H:%i:%s.%f') AS due_text, running "
              "FROM clock WHERE ",
              key, " IN (", db::SqlRows("?", ids.size()),
              ") ORDER BY clock_id FOR UPDATE")));
      RETURN_IF_ERROR(c.Guard("lock clocks", [&] {
        int i = 1;
        for (const auto& id : ids) st->setString(i++, id);
        std::unique_ptr<sql::ResultSet> rs(st->executeQuery());
        while (rs->next()) {
          StoredClock k;
          k.ticket_id = rs->getString("ticket_id");
          k.clock.clock_id = rs->getString("clock_id");
          k.clock.kind = static_cast<v1::ClockKind>(rs->getInt("kind"));
          k.clock.dispatch_round = rs->getInt("dispatch_round");
          k.clock.due = ParseSqlTime(rs->getString("due_text"));
          k.clock.running = rs->getInt("running") != 0;
          out.push_back(std::move(k));
        }
        return absl::OkStatus();
      }));
    }
  }
  return out;
}

absl::Status MysqlRoutingStore::PutClocks(
    db::Connection& c, const std::vector<StoredClock>& clocks) {
  std::vector<const StoredClock*> sorted;
  sorted.reserve(clocks.size());
  for (const StoredClock& k : clocks) sorted.push_back(&k);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return a->clock.clock_id < b->clock.clock_id;
  });
  return db::WriteRows(
      c, sorted,
      {"INSERT INTO clock (clock_id, ticket_id, kind, dispatch_round, due, "
       "running) VALUES ",
       "(?,?,?,?,?,?)",
       " ON DUPLICATE KEY UPDATE due = VALUES(due), running = VALUES(running)",
       "put clocks"},
      [](sql::PreparedStatement* st, unsigned i, const StoredClock* k) {
        st->setString(i++, k->clock.clock_id);
        st->setString(i++, k->ticket_id);
        st->setInt(i++, k->clock.kind);
        st->setInt(i++, k->clock.dispatch_round);
        st->setString(i++, SqlTime(k->clock.due));
        st->setInt(i++, k->clock.running ? 1 : 0);
        return i;
      });
}

absl::StatusOr<std::vector<v1::TicketEvent>> MysqlRoutingStore::History(
    db::Connection& c, const std::string& ticket, const std::string& producer) {
  return outbox::ReadTicketEvents(c, producer, ticket);
}

}  // namespace hotline::routing
