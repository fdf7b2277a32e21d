#!/usr/bin/env bash
# Fills a running system (deploy/local/run.sh, its private MariaDB, all four
# schemas) with N historic orders, consistent across the four services, the
# way a district's database looks after years (issue 16, "the same benchmark
# at 1 M stored orders"; docs/performance.md, "How the 1 M run is done").
#
#   seed_history.sh --orders N [--periods P] [--no-restart]
#
# Environment: as deploy/local/run.sh (HOTLINE_STATE_DIR, HOTLINE_BUILD_DIR,
# HOTLINE_PORT_BASE, HOTLINE_METRICS_BASE); the state folder must hold a
# system that played the sample month (HOTLINE_SAMPLE_MONTH=1 run.sh, or
# `seed_history.sh --fresh`, which starts one).
#
# How: the template is every order of the sample month that went through its
# whole life (closed at intake, evaluated or closed; no running clock, no
# pending ladder rung, notice, extension or overdue clock, no undelivered
# event, no merge link). With the services stopped, every row of every
# service table that belongs to a template order (orders, similarity index,
# progress, holders, assignments, clocks, rungs, notices, extensions,
# holdings, facts, states, evaluations, overdue clocks, outbox and inbox
# history, idempotency entries) is cloned K times by INSERT ... SELECT inside
# MariaDB, clone c of the template into period m = c div J + 1 (five weeks
# back each: weekdays stay weekdays) as copy j = c mod J of that period
# (J = K / P copies per period; consecutive copies share a period, so one
# chunk of copies writes into a narrow band of each time-keyed index):
#   - ticket ids "tk-" + 24 hex digits: the first 8 hex digits are c + 1
#     (same length, so the ids inside serialized protobufs are rewritten by
#     REPLACE: events, documents, assignments, idempotent answers);
#   - ticket numbers DZyyyymmdd-nnnnnn: the day shifted, serial j*1000 + n
#     (template serials are < 1000), so numbers stay valid and unique per day;
#     intake's ticket_day_counter is raised to the highest serial of each day;
#   - auto-increment ids (rows, outbox, clocks, rungs, notices, facts, ...)
#     offset by (c + 1) * (largest id before seeding), event ids
#     "<producer>-<outbox id>" with them; the counters stay ahead by
#     themselves (InnoDB's auto-increment follows the largest id);
#   - every DATETIME and DATE column shifted by 35 * m days;
#   - request ids "s<c+1>-" + the template's (idempotency stays unique);
#   - the keyed caller hash gets the same 8-digit prefix as the ticket id
#     (seeded orders are not found by the caller's phone: the hash no longer
#     matches the ciphertext's number; it keeps the index's cardinality).
# Timestamps inside serialized protobufs (documents, events) keep the
# template's times; the columns every query reads are shifted. Assessment's
# rollups are then recomputed by the service itself (RebuildRollups) and
# checked with verify_only=true.
# Nothing is left that a relay or loop would take up: no outbox_pending rows,
# no running clock, no ladder_due, no pending notice or extension.
#
# At the end the services are restarted (start-up time and RSS printed) and a
# spot check asks each service about a seeded order (intake's view, routing's
# assignment, deadline's clocks, assessment's facts and a unit's scorecard
# over the seeded years) and `hotlinectl health`; any error fails the run.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
STATE=$(realpath -m "${HOTLINE_STATE_DIR:?set HOTLINE_STATE_DIR (as for run.sh)}")
BUILD=$(realpath -m "${HOTLINE_BUILD_DIR:-$root/build}")
PORT_BASE=${HOTLINE_PORT_BASE:-7100}
orders=5000 periods=100 restart=1 fresh=0 check_only=0
while (($# > 0)); do
  case $1 in
    --orders) orders=$2; shift 2 ;;
    --periods) periods=$2; shift 2 ;;
    --no-restart) restart=0; shift ;;
    --fresh) fresh=1; shift ;;
    --check-only) check_only=1; shift ;;
    *) echo "usage: seed_history.sh --orders N [--periods P] [--fresh] [--no-restart] | --check-only" >&2
       exit 2 ;;
  esac
done
say() { echo "seed: $*" >&2; }
die() { echo "seed: FAILED: $*" >&2; exit 1; }
sql() { bash "$root/deploy/local/mariadb.sh" sql "$STATE/mariadb" "$1" -N -B; }
sqlin() { bash "$root/deploy/local/mariadb.sh" sql "$STATE/mariadb" - -N -B; }
secs() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(secs)" 'BEGIN{printf "%.1f", b-a}'; }
token_of() { awk -v r="$1" '$2==r && NF==2 {print $1; exit}' "$STATE/tokens"; }
export HOTLINE_SKIP_BUILD=1 HOTLINE_BUILD_DIR=$BUILD HOTLINE_STATE_DIR=$STATE

if ((fresh)); then
  [[ -e $STATE/seeded ]] && die "--fresh needs a new state folder ($STATE exists)"
  say "starting the system and playing the sample month (the template)"
  HOTLINE_SAMPLE_MONTH=1 bash "$root/deploy/local/run.sh" >"$STATE.run-template.log" 2>&1 ||
    die "run.sh failed (log: $STATE.run-template.log)"
fi
[[ -f $STATE/sample-month.txt ]] ||
  die "$STATE did not play the sample month (HOTLINE_SAMPLE_MONTH=1 run.sh, or --fresh)"

I=hotline_intake R=hotline_routing D=hotline_deadline A=hotline_assessment
if ((!check_only)); then
t_all=$(secs)
say "stopping the services (MariaDB stays up)"
bash "$root/deploy/local/stop.sh" --services-only >/dev/null 2>&1

# ---------------------------------------------------------------- template
sql "DROP DATABASE IF EXISTS hotline_seed; CREATE DATABASE hotline_seed"
sqlin <<SQL
CREATE TABLE hotline_seed.tmpl (
  ticket_id VARCHAR(64) NOT NULL PRIMARY KEY,
  ticket_number VARCHAR(32) NOT NULL,
  row_id BIGINT NOT NULL
) ENGINE=InnoDB;
INSERT INTO hotline_seed.tmpl
SELECT t.ticket_id, t.ticket_number, t.id FROM $I.ticket t
WHERE t.status IN (2, 11, 12) AND t.merged_into IS NULL
  AND t.ticket_id REGEXP '^tk-[0-9a-f]{24}\$'
  AND t.ticket_number REGEXP '^DZ[0-9]{8}-[0-9]{6}\$'
  AND CAST(SUBSTRING(t.ticket_number, 12) AS UNSIGNED) < 1000
  AND NOT EXISTS (SELECT 1 FROM $I.ticket m WHERE m.merged_into = t.ticket_id)
  AND NOT EXISTS (SELECT 1 FROM $D.clock c WHERE c.ticket_id = t.ticket_id
                  AND (c.running = 1 OR c.pending_kind <> 0
                       OR EXISTS (SELECT 1 FROM $D.ladder_due d WHERE d.clock_id = c.clock_id)))
  AND NOT EXISTS (SELECT 1 FROM $D.notice n WHERE n.ticket_id = t.ticket_id
                  AND (n.delivery = 2 OR n.resolved = 0))
  AND NOT EXISTS (SELECT 1 FROM $D.extension e WHERE e.ticket_id = t.ticket_id AND e.state = 1)
  AND NOT EXISTS (SELECT 1 FROM $R.clock c WHERE c.ticket_id = t.ticket_id AND c.running = 1)
  AND EXISTS (SELECT 1 FROM $R.assignment a WHERE a.ticket_id = t.ticket_id OR t.status = 2)
  AND NOT EXISTS (SELECT 1 FROM $A.overdue_clock o WHERE o.ticket_id = t.ticket_id
                  AND o.closed_at IS NULL)
  AND NOT EXISTS (SELECT 1 FROM $I.outbox o JOIN $I.outbox_pending p ON p.outbox_id = o.id
                  WHERE o.ticket_id = t.ticket_id)
  AND NOT EXISTS (SELECT 1 FROM $R.outbox o JOIN $R.outbox_pending p ON p.outbox_id = o.id
                  WHERE o.ticket_id = t.ticket_id)
  AND NOT EXISTS (SELECT 1 FROM $D.outbox o JOIN $D.outbox_pending p ON p.outbox_id = o.id
                  WHERE o.ticket_id = t.ticket_id);
SQL
tmpl_n=$(sql "SELECT COUNT(*) FROM hotline_seed.tmpl")
all_n=$(sql "SELECT COUNT(*) FROM $I.ticket")
((tmpl_n > 0)) || die "no finished order in the template"
clones=$(((orders + tmpl_n - 1) / tmpl_n))
((periods > clones)) && periods=$clones
per_period=$(((clones + periods - 1) / periods))
periods=$(((clones + per_period - 1) / per_period))
((per_period < 1000)) || die "too many copies per period ($per_period); raise --periods"
say "template: $tmpl_n finished orders of $all_n; $clones copies" \
  "($((clones * tmpl_n)) orders) over $periods periods of 5 weeks, $per_period per period"

# Clones: c, period m, copy j, shift in days.
sqlin <<SQL
CREATE TABLE hotline_seed.clone (c INT NOT NULL PRIMARY KEY, m INT NOT NULL,
  j INT NOT NULL, sh INT NOT NULL) ENGINE=InnoDB;
INSERT INTO hotline_seed.clone
SELECT seq, seq DIV $per_period + 1, seq MOD $per_period, 35 * (seq DIV $per_period + 1)
FROM hotline_seed.seq_0_to_$((clones - 1));
CREATE TABLE hotline_seed.tmap (
  c INT NOT NULL, sh INT NOT NULL,
  old_tid VARCHAR(64) NOT NULL, new_tid VARCHAR(64) NOT NULL,
  old_num VARCHAR(32) NOT NULL, new_num VARCHAR(32) NOT NULL,
  PRIMARY KEY (old_tid, c)
) ENGINE=InnoDB;
INSERT INTO hotline_seed.tmap
SELECT k.c, k.sh, t.ticket_id,
  CONCAT('tk-', LPAD(LOWER(HEX(k.c + 1)), 8, '0'), SUBSTRING(t.ticket_id, 12)),
  t.ticket_number,
  CONCAT('DZ', DATE_FORMAT(STR_TO_DATE(SUBSTRING(t.ticket_number, 3, 8), '%Y%m%d')
                           - INTERVAL k.sh DAY, '%Y%m%d'), '-',
         LPAD(k.j * 1000 + CAST(SUBSTRING(t.ticket_number, 12) AS UNSIGNED), 6, '0'))
FROM hotline_seed.tmpl t CROSS JOIN hotline_seed.clone k;
SQL

# Largest ids before seeding: clone c's ids are template id + (c+1) * S.
maxid() { sql "SELECT COALESCE(MAX($3), 0) FROM $1.$2"; }
declare -A S
for db in $I $R $D $A; do S[$db.outbox]=$(maxid $db outbox id); done
S[ticket]=$(maxid $I ticket id)
S[progress]=$(maxid $I ticket_progress id)
S[reveal]=$(maxid $I reveal_audit id)
S[dclock]=$(maxid $D clock clock_id)
S[step]=$(maxid $D ladder_step step_id)
S[notice]=$(maxid $D notice notice_id)
S[ext]=$(maxid $D extension extension_id)
S[fact]=$(maxid $A fact id)
# "<producer>-<outbox id>" of clone c.
evid() {
  local e=$1
  echo "CONCAT(SUBSTRING_INDEX($e, '-', 1), '-', CAST(SUBSTRING_INDEX($e, '-', -1) AS UNSIGNED)
    + (x.c + 1) * CASE SUBSTRING_INDEX($e, '-', 1)
      WHEN 'intake' THEN ${S[$I.outbox]} WHEN 'routing' THEN ${S[$R.outbox]}
      WHEN 'deadline' THEN ${S[$D.outbox]} WHEN 'assessment' THEN ${S[$A.outbox]} END)"
}
blob() { echo "REPLACE(REPLACE($1, x.old_tid, x.new_tid), x.old_num, x.new_num)"; }
hexid() {  # "<prefix>" + hex with its first 8 hex digits c + 1
  echo "CONCAT(SUBSTRING_INDEX($1, '-', 1), '-', LPAD(LOWER(HEX(x.c + 1)), 8, '0'),
    SUBSTRING($1, LENGTH(SUBSTRING_INDEX($1, '-', 1)) + 10))"
}
reqid() { echo "CONCAT('s', x.c + 1, '-', LEFT($1, 52))"; }

# snap DB TABLE JOIN: hotline_seed.DB__TABLE holds the template's rows of
# DB.TABLE and a column _tid (the order they belong to).
snap() {
  local db=$1 table=$2 join=$3
  sql "CREATE TABLE hotline_seed.${db}__$table ENGINE=InnoDB AS
       SELECT t.*, tm.ticket_id AS _tid FROM $db.$table t $join"
}
by_tid="JOIN hotline_seed.tmpl tm ON tm.ticket_id = t.ticket_id"

# clone DB TABLE "col=expr" ...: INSERT INTO DB.TABLE SELECT, per chunk of
# clones, from its snapshot; DATETIME/DATE columns shifted unless given,
# every other column copied unless given.
chunk=$(((20000 + tmpl_n - 1) / tmpl_n))
clone() {
  local db=$1 table=$2
  shift 2
  local -A over=()
  local kv
  for kv in "$@"; do over[${kv%%=*}]=${kv#*=}; done
  local cols=() exprs=() col type
  while IFS=$'\t' read -r col type; do
    cols+=("\`$col\`")
    if [[ -n ${over[$col]+x} ]]; then
      exprs+=("${over[$col]}")
    elif [[ $type == datetime || $type == date || $type == timestamp ]]; then
      exprs+=("t.\`$col\` - INTERVAL x.sh DAY")
    else
      exprs+=("t.\`$col\`")
    fi
  done < <(sql "SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS
                WHERE TABLE_SCHEMA = '$db' AND TABLE_NAME = '$table'
                ORDER BY ORDINAL_POSITION")
  local t0 lo n
  t0=$(secs)
  n=$(sql "SELECT COUNT(*) FROM hotline_seed.${db}__$table")
  if ((n > 0)); then
    for ((lo = 0; lo < clones; lo += chunk)); do
      sql "INSERT INTO $db.$table ($(IFS=,; echo "${cols[*]}"))
           SELECT $(IFS=,; echo "${exprs[*]}")
           FROM hotline_seed.${db}__$table t
           JOIN hotline_seed.tmap x ON x.old_tid = t._tid
           WHERE x.c BETWEEN $lo AND $((lo + chunk - 1)) ${clone_order:-}"
    done
  fi
  say "$(printf '%-34s %8d template rows x %d  %6ss' "$db.$table" "$n" "$clones" "$(elapsed "$t0")")"
}

# Bulk-load settings while seeding (restored before the services restart):
# a larger redo log (fewer forced checkpoints), a higher flush rate and a
# buffer pool that holds the growing indexes (each chunk of copies touches
# every leaf page of a term- or time-keyed index; once an index outgrows the
# pool every chunk reads it from disk again: at 1 M orders ticket_term is
# ≈ 50 M rows). SEED_BUFFER_POOL_MB (default 8192; the machine needs that
# much free memory) sets it, 0 leaves it.
saved_log=$(sql "SELECT @@innodb_log_file_size")
saved_io=$(sql "SELECT @@innodb_io_capacity")
saved_pool=$(sql "SELECT @@innodb_buffer_pool_size")
seed_pool=$((${SEED_BUFFER_POOL_MB:-8192} * 1048576))
restore_db_settings() {
  sql "SET GLOBAL innodb_io_capacity = $saved_io; SET GLOBAL innodb_log_file_size = $saved_log" || true
  if ((seed_pool > saved_pool)); then
    sql "SET GLOBAL innodb_buffer_pool_size = $saved_pool" || true
  fi
}
trap restore_db_settings EXIT
sql "SET GLOBAL innodb_log_file_size = 2147483648; SET GLOBAL innodb_io_capacity = 4000"
if ((seed_pool > saved_pool)); then
  sql "SET GLOBAL innodb_buffer_pool_size = $seed_pool"
fi

t_seed=$(secs)
# ------------------------------------------------------------------ intake
snap $I ticket "$by_tid"
snap $I ticket_term "JOIN hotline_seed.tmpl tm ON tm.row_id = t.row_id"
snap $I ticket_progress "$by_tid"
snap $I ticket_holder "$by_tid"
snap $I reveal_audit "$by_tid"
# ------------------------------------------------------ every service's events
for db in $I $R $D $A; do
  snap $db outbox "$by_tid"
  snap $db outbox_seq "$by_tid"
  snap $db inbox "$by_tid"
  # Idempotent answers of the template's orders: CreateTicket's by request
  # id, every other call's by the order id in its answer.
  # An entry that names several orders is cloned with one of them.
  sql "CREATE TABLE hotline_seed.${db}__idempotency_log ENGINE=InnoDB AS
       SELECT t.*, MIN(tm.ticket_id) AS _tid FROM $db.idempotency_log t
       JOIN hotline_seed.tmpl tm ON LOCATE(tm.ticket_id, t.answer) > 0
         OR ('$db' = '$I' AND t.request_id =
             (SELECT request_id FROM $I.ticket WHERE ticket_id = tm.ticket_id))
       GROUP BY t.request_id"
done
# ----------------------------------------------------------------- routing
snap $R assignment "$by_tid"
snap $R assignment_co_unit "$by_tid"
snap $R clock "$by_tid"
# ---------------------------------------------------------------- deadline
snap $D ticket_info "$by_tid"
snap $D ticket_unit "$by_tid"
snap $D clock "$by_tid"
snap $D ladder_step "$by_tid"
snap $D notice "$by_tid"
snap $D extension "$by_tid"
snap $D holding "$by_tid"
# -------------------------------------------------------------- assessment
snap $A fact "$by_tid"
snap $A ticket_state "$by_tid"
snap $A evaluation "$by_tid"
snap $A overdue_clock "$by_tid"
snap $A overdue_accrual "JOIN hotline_seed.${A}__overdue_clock tm ON tm.clock_id = t.clock_id"
say "template snapshots taken ($(elapsed "$t_seed")s)"

# The caller's ciphertext is bound to the ticket id: sealed again per copy
# (hotline-seed-reseal, intake's key file) into hotline_seed.reseal.
t0=$(secs)
sql "CREATE TABLE hotline_seed.reseal (c INT NOT NULL, old_tid VARCHAR(64) NOT NULL,
     ct VARBINARY(2048) NOT NULL, PRIMARY KEY (old_tid, c)) ENGINE=InnoDB"
sql "SELECT x.c, x.old_tid, x.new_tid, HEX(t.caller_ct) FROM hotline_seed.${I}__ticket t
     JOIN hotline_seed.tmap x ON x.old_tid = t._tid WHERE t.caller_ct IS NOT NULL" |
  "$BUILD/tools/loadgen/hotline-seed-reseal" --keys "$STATE/secrets/intake-caller.keys" \
    --table hotline_seed.reseal | sqlin
say "$(printf '%-34s %8d sealed again  %6ss' "caller ciphertexts" \
  "$(sql "SELECT COUNT(*) FROM hotline_seed.reseal")" "$(elapsed "$t0")")"

off() { echo "$1 + (x.c + 1) * $2"; }
clone $I ticket "id=$(off t.id "${S[ticket]}")" "ticket_id=x.new_tid" "ticket_number=x.new_num" \
  "request_id=$(reqid t.request_id)" "doc=$(blob t.doc)" \
  "caller_ct=IF(t.caller_ct IS NULL, NULL, (SELECT r.ct FROM hotline_seed.reseal r
                                           WHERE r.old_tid = x.old_tid AND r.c = x.c))" \
  "caller_hash=IF(t.caller_hash = '', '', CONCAT(LPAD(LOWER(HEX(x.c + 1)), 8, '0'), SUBSTRING(t.caller_hash, 9)))"
# In primary-key order: each chunk touches each leaf page once.
clone_order="ORDER BY t.term, t.town_code, t.received_at - INTERVAL x.sh DAY, x.c" \
  clone $I ticket_term "row_id=$(off t.row_id "${S[ticket]}")"
clone $I ticket_progress "id=$(off t.id "${S[progress]}")" "ticket_id=x.new_tid" "note=$(blob t.note)"
clone $I ticket_holder "ticket_id=x.new_tid"
clone $I reveal_audit "id=$(off t.id "${S[reveal]}")" "audit_id=$(hexid t.audit_id)" \
  "request_id=$(reqid t.request_id)" "ticket_id=x.new_tid" "ticket_number=x.new_num"

for db in $I $R $D $A; do
  clone $db outbox "id=$(off t.id "${S[$db.outbox]}")" "ticket_id=x.new_tid" "event=$(blob t.event)"
  clone $db outbox_seq "ticket_id=x.new_tid"
  clone $db inbox "event_id=$(evid t.event_id)" "ticket_id=x.new_tid" "detail=$(blob t.detail)"
  clone $db idempotency_log "request_id=$(reqid t.request_id)" "answer=$(blob t.answer)"
done

clone $R assignment "ticket_id=x.new_tid" "body=$(blob t.body)" "intake_limit=$(blob t.intake_limit)"
clone $R assignment_co_unit "ticket_id=x.new_tid"

dclock() { off "$1" "${S[dclock]}"; }
clone $D ticket_info "ticket_id=x.new_tid" "ticket_number=x.new_num"
clone $D ticket_unit "ticket_id=x.new_tid"
clone $D clock "clock_id=$(dclock t.clock_id)" "ticket_id=x.new_tid" "ticket_number=x.new_num" \
  "explanation=$(blob t.explanation)"
clone $D ladder_step "step_id=$(off t.step_id "${S[step]}")" "clock_id=$(dclock t.clock_id)" \
  "ticket_id=x.new_tid" "ticket_number=x.new_num" "act_id=NULL"
clone $D notice "notice_id=$(off t.notice_id "${S[notice]}")" "step_id=$(off t.step_id "${S[step]}")" \
  "ticket_id=x.new_tid" "ticket_number=x.new_num" "text=$(blob t.text)"
shiftday() { echo "IF($1 = '', '', DATE_FORMAT(STR_TO_DATE($1, '%Y-%m-%d') - INTERVAL x.sh DAY, '%Y-%m-%d'))"; }
clone $D extension "extension_id=$(off t.extension_id "${S[ext]}")" "clock_id=$(dclock t.clock_id)" \
  "ticket_id=x.new_tid" "proposed_due_date=$(shiftday t.proposed_due_date)" \
  "approved_due_date=$(shiftday t.approved_due_date)"
clone $D holding "ticket_id=x.new_tid"

aclock() {  # assessment keeps deadline's clock id as text
  echo "IF($1 REGEXP '^[0-9]+\$', CAST(CAST($1 AS UNSIGNED) + (x.c + 1) * ${S[dclock]} AS CHAR), CONCAT($1, '~', x.c + 1))"
}
# Routing's clocks are deadline's, by deadline's clock id (as text).
clone $R clock "clock_id=$(aclock t.clock_id)" "ticket_id=x.new_tid"
clone $A fact "id=$(off t.id "${S[fact]}")" "event_id=$(evid t.event_id)" "ticket_id=x.new_tid" \
  "event=$(blob t.event)"
clone $A ticket_state "ticket_id=x.new_tid" "ticket_number=x.new_num"
clone $A evaluation "evaluation_id=$(hexid t.evaluation_id)" "ticket_id=x.new_tid" \
  "request_id=$(reqid t.request_id)"
clone $A overdue_clock "clock_id=$(aclock t.clock_id)" "ticket_id=x.new_tid" \
  "ticket_number=x.new_num" "first_event_id=$(evid t.first_event_id)"
clone $A overdue_accrual "event_id=$(evid t.event_id)" "clock_id=$(aclock t.clock_id)"

# Intake's number counter: ahead of every seeded serial of each day.
sql "INSERT INTO $I.ticket_day_counter (day, last_no)
     SELECT SUBSTRING(ticket_number, 3, 8), MAX(CAST(SUBSTRING(ticket_number, 12) AS UNSIGNED))
     FROM $I.ticket GROUP BY SUBSTRING(ticket_number, 3, 8)
     ON DUPLICATE KEY UPDATE last_no = GREATEST(last_no, VALUES(last_no))"
restore_db_settings
trap - EXIT
seed_s=$(elapsed "$t_seed")
say "rows cloned in ${seed_s}s"
echo "$seed_s" >"$STATE/seed-seconds"

# ------------------------------------------------------- sizes after seeding
sql "ANALYZE TABLE $(sql "SELECT GROUP_CONCAT(CONCAT(TABLE_SCHEMA, '.', TABLE_NAME))
     FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ('$I','$R','$D','$A')")" >/dev/null
say "rows per table (exact counts) and size on disk:"
for db in $I $R $D $A; do
  for table in $(sql "SELECT TABLE_NAME FROM information_schema.TABLES
                      WHERE TABLE_SCHEMA = '$db' ORDER BY TABLE_NAME"); do
    n=$(sql "SELECT COUNT(*) FROM $db.\`$table\`")
    ((n > 0)) && printf '  %-44s %12d\n' "$db.$table" "$n" >&2
  done
done
say "database files: $(du -sh "$STATE/mariadb" | cut -f1) ($STATE/mariadb)"
[[ $(sql "SELECT (SELECT COUNT(*) FROM $I.outbox_pending) + (SELECT COUNT(*) FROM $R.outbox_pending)
          + (SELECT COUNT(*) FROM $D.outbox_pending) + (SELECT COUNT(*) FROM $A.outbox_pending)") == 0 ]] ||
  say "note: undelivered events of the sample month's open orders remain (not seeded ones)"
sql "DROP DATABASE hotline_seed"
# What the check needs: the first seeded row id of intake's ticket table.
echo "$((S[ticket] + 1)) $((clones * tmpl_n))" >"$STATE/seed-info"
say "seeded in $(elapsed "$t_all")s in all (services stopped meanwhile)"
((restart)) || exit 0
fi  # !check_only
[[ -s $STATE/seed-info ]] || die "$STATE was not seeded (no $STATE/seed-info)"
read -r first_id seeded <"$STATE/seed-info"

# ----------------------------------------------------- restart and spot check
say "restarting the services (deploy/local/run.sh; system clock)"
t0=$(secs)
bash "$root/deploy/local/run.sh" >"$STATE/logs/run-after-seed.log" 2>&1 ||
  die "run.sh failed after seeding (log: $STATE/logs/run-after-seed.log)"
say "all four SERVING after $(elapsed "$t0")s (run.sh, MariaDB already up)"
for svc in intake routing deadline assessment; do
  pid=$(cat "$STATE/run/$svc.pid")
  say "  $svc: RSS $(awk '/VmRSS/{printf "%.1f MB", $2/1024}' "/proc/$pid/status")"
done

CTL=$BUILD/tools/hotlinectl/hotlinectl
export HOTLINE_INTAKE_ADDR=127.0.0.1:$((PORT_BASE + 1))
export HOTLINE_ROUTING_ADDR=127.0.0.1:$((PORT_BASE + 2))
export HOTLINE_DEADLINE_ADDR=127.0.0.1:$((PORT_BASE + 3))
export HOTLINE_ASSESSMENT_ADDR=127.0.0.1:$((PORT_BASE + 4))
check() {  # check ROLE VERB ARGS...: the call must answer without an error
  local role=$1 out
  shift
  if ! out=$(HOTLINE_TOKEN=$(token_of "$role") "$CTL" --json "$@" 2>&1); then
    echo "$out" | head -20 >&2
    die "hotlinectl $* (as $role)"
  fi
  echo "$out"
}
expect() {  # expect WHAT TEXT NEEDLE
  grep -qF -- "$3" <<<"$2" || { echo "$2" | head -30 >&2; die "$1: no \"$3\" in the answer"; }
}
# The oldest seeded order, one in the middle, and the last.
for pick in "received_at ASC:0" "id DESC:0" "id ASC:$((seeded / 2))"; do
  read -r tid num unit < <(sql "SELECT t.ticket_id, t.ticket_number, a.holder_unit_id
    FROM $I.ticket t JOIN $R.assignment a ON a.ticket_id = t.ticket_id
    WHERE t.id >= $first_id ORDER BY t.${pick%:*} LIMIT 1 OFFSET ${pick#*:}")
  say "spot check: $num ($tid, held by $unit)"
  expect "intake's view" "$(check CALL_AGENT get ticket_id="$tid")" "$num"
  expect "routing's assignment" "$(check CENTER_STAFF assignment ticket_id="$tid")" "$tid"
  expect "deadline's clocks" "$(check CENTER_STAFF clocks ticket_id="$tid")" "$tid"
  expect "assessment's facts" "$(check AUDITOR facts ticket_id="$tid")" "$tid"
done

# Assessment's rollups, recomputed by the service from the seeded facts (its
# own RebuildRollups: one scan of the facts, the rollups replaced in one
# transaction), then checked: 0 mismatches.
t0=$(secs)
HOTLINE_TOKEN=$(token_of CENTER_STAFF) "$CTL" --json --timeout 3600 rebuild-rollups \
  >"$STATE/logs/rebuild-rollups.json" 2>&1 || {
  cat "$STATE/logs/rebuild-rollups.json" >&2
  die "rebuild-rollups"
}
say "rollups recomputed by assessment in $(elapsed "$t0")s"
t0=$(secs)
verify=$(HOTLINE_TOKEN=$(token_of CENTER_STAFF) "$CTL" --json --timeout 3600 rebuild-rollups verify_only=true 2>&1) ||
  { echo "$verify" >&2; die "rebuild-rollups verify_only=true"; }
grep -q '"mismatches": *"*[1-9]' <<<"$verify" && { echo "$verify" | head -40 >&2; die "rollups differ from the facts"; }
say "rollups verified against $(grep -o '"facts_scanned": *"*[0-9]*' <<<"$verify" | grep -o '[0-9]*$') facts in $(elapsed "$t0")s: 0 mismatches"

from=$(sql "SELECT MIN(local_date) FROM $A.fact")
to=$(TZ=Asia/Shanghai date +%F)
check CENTER_STAFF scorecard unit_id=town.longshui include_subtree=true \
  period.from_date="$from" period.to_date="$to" >/dev/null
say "scorecard of town.longshui $from..$to answered"

health=$(HOTLINE_TOKEN=$(token_of AUDITOR) "$CTL" health 2>&1) || { echo "$health" >&2; die "hotlinectl health"; }
echo "$health" >&2
grep -q 'NOT_SERVING\|UNKNOWN\|error' <<<"$health" && die "hotlinectl health is not clean"
# RebuildRollups holds the scanned facts in assessment's memory (its peak
# RSS then says nothing about serving): the services start once more, so
# that what follows (a benchmark) measures fresh processes.
bash "$root/deploy/local/run.sh" >>"$STATE/logs/run-after-seed.log" 2>&1 ||
  die "run.sh failed after the checks (log: $STATE/logs/run-after-seed.log)"
for svc in intake routing deadline assessment; do
  pid=$(cat "$STATE/run/$svc.pid")
  say "  restarted $svc: RSS $(awk '/VmRSS/{printf "%.1f MB", $2/1024}' "/proc/$pid/status")"
done
say "OK: $seeded orders seeded; spot checks and health clean"
