#!/usr/bin/env bash
# A private PKI for the hotline's mutual TLS (server/common/tls.h):
#
#   make-certs.sh DIR [NAME ...]
#
# writes into DIR (created, mode 700):
#   ca.crt, ca.key          the CA that signs every certificate below
#   NAME.crt, NAME.key      one certificate per NAME (default: intake routing
#                           deadline assessment operator), usable as server
#                           and as client certificate, valid for the DNS names
#                           NAME, NAME.hotline.svc, localhost and 127.0.0.1
#
# Give each service --tls_cert NAME.crt --tls_key NAME.key --tls_ca ca.crt;
# hotlinectl uses operator.crt/operator.key the same way. An existing ca.key
# is reused, so certificates can be added later. EC P-256, 825 days.
set -euo pipefail
dir=${1:?usage: make-certs.sh DIR [NAME ...]}
shift
names=("$@")
((${#names[@]})) || names=(intake routing deadline assessment operator)
command -v openssl >/dev/null || { echo "make-certs.sh: openssl is required" >&2; exit 1; }

mkdir -p "$dir"
chmod 700 "$dir"
umask 077
if [[ ! -f $dir/ca.key ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 3650 \
    -subj "/O=Hotline 12345/CN=Hotline 12345 CA" 2>/dev/null
fi
for name in "${names[@]}"; do
  [[ $name =~ ^[a-z0-9][a-z0-9.-]*$ ]] || { echo "make-certs.sh: bad name $name" >&2; exit 2; }
  ext=$(mktemp)
  printf '%s\n' \
    "subjectAltName=DNS:$name,DNS:$name.hotline.svc,DNS:localhost,IP:127.0.0.1" \
    "extendedKeyUsage=serverAuth,clientAuth" \
    "keyUsage=digitalSignature,keyEncipherment" >"$ext"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$dir/$name.key" -out "$dir/$name.csr" \
    -subj "/O=Hotline 12345/CN=$name" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
    -CAcreateserial -out "$dir/$name.crt" -days 825 -extfile "$ext" 2>/dev/null
  rm -f "$ext" "$dir/$name.csr"
done
chmod 644 "$dir"/*.crt
echo "certificates in $dir: ca.crt ${names[*]/%/.crt}"
