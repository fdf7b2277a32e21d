#!/bin/bash
# First start of the MySQL 8 container: the four schemas and four
# least-privilege users (each with rights on its own schema only). Passwords
# come from the environment (see deploy/docker/example.env).
set -euo pipefail
for svc in intake routing deadline assessment; do
  var="HOTLINE_${svc^^}_DB_PASSWORD"
  pw="${!var:?$var must be set}"
  mysql -uroot -p"$MYSQL_ROOT_PASSWORD" <<SQL
CREATE DATABASE IF NOT EXISTS hotline_${svc}
  CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'hotline_${svc}'@'%' IDENTIFIED BY '${pw}';
GRANT ALL PRIVILEGES ON hotline_${svc}.* TO 'hotline_${svc}'@'%';
SQL
done
