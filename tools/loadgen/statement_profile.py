#!/usr/bin/env python3
"""Statements per order, per service, from MariaDB's general log.

    statement_profile.py ORDERS CONNECTIONS_TSV GENERAL_LOG

CONNECTIONS_TSV: "id<TAB>user" per connection (information_schema.processlist);
each service connects as its own MariaDB user (hotline_<service>). Statements
are grouped by shape: literals and numbers become ? and N, and multi-row VALUES
lists one row followed by ",...". Prepared and text statements of one shape
count together.
"""
import collections
import re
import sys

ROW = r"\((?:\?|N)(?:, ?(?:\?|N))*\)"


def shape(sql):
    sql = re.sub(r"'(?:[^'\\]|\\.)*'", "?", sql)
    sql = re.sub(r"\b\d+\b", "N", sql)
    sql = re.sub(rf"({ROW})(?:, ?{ROW})+", r"\1,...", sql)
    return sql[:160]


def main():
    orders = int(sys.argv[1])
    users = {}
    with open(sys.argv[2]) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                users[parts[0]] = parts[1]
    counts = collections.defaultdict(collections.Counter)
    line_re = re.compile(r"^(?:\d{6} [\d:]{8})?\s+(\d+) (Query|Execute)\t(.*)")
    with open(sys.argv[3], errors="replace") as f:
        for line in f:
            m = line_re.match(line)
            if m:
                conn, _, sql = m.groups()
                counts[users.get(conn, "?")][shape(sql)] += 1
    services = {u: c for u, c in counts.items() if u.startswith("hotline_")}
    total = sum(sum(c.values()) for c in services.values())
    print(f"all services: {total / orders:.1f} statements/order over {orders} orders")
    for user, c in sorted(services.items()):
        print(f"=== {user}: {sum(c.values()) / orders:.1f}/order")
        for sql, n in c.most_common():
            if n / orders >= 0.1:
                print(f"{n / orders:6.2f} {sql}")


if __name__ == "__main__":
    main()
