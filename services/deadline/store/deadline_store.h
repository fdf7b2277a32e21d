#pragma once

// Storage of hotline-deadline (schema/010_deadline.sql and later): the
// per-order chain, clocks, ladder rungs and steps, notices, extensions,
// supervision acts, calendar years and the idempotency log, one interface per
// concern. No business rules here: the core (ClockEngine, Scanner) and the
// edge's reads decide, the store persists. Implementation: MysqlDeadlineStore.
//
// Every method runs on a connection the caller holds, inside the caller's
// transaction when the call is part of a state change. Implementations are
// stateless and thread-safe (MysqlDeadlineStore). Errors of every method:
// UNAVAILABLE when the database is unreachable, ABORTED on deadlock or lock
// wait timeout (retry); other results are named on the method.
// The rows are in deadline_rows.h.

#include "services/deadline/store/calendar_year_store.h"
#include "services/deadline/store/chain_store.h"
#include "services/deadline/store/clock_store.h"
#include "services/deadline/store/deadline_rows.h"
#include "services/deadline/store/extension_store.h"
#include "services/deadline/store/ladder_store.h"
#include "services/deadline/store/supervision_act_store.h"

namespace hotline::deadline {

// The whole store of the service, as the core holds it: every concern's
// interface in one object. Thread-safe and stateless in its MySQL
// implementation; owns nothing.
class DeadlineStore : public ChainStore,
                      public ClockStore,
                      public LadderStore,
                      public SupervisionActStore,
                      public ExtensionStore,
                      public CalendarYearStore {
 public:
  ~DeadlineStore() override = default;
};

}  // namespace hotline::deadline
