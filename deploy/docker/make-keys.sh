#!/usr/bin/env bash
# Prints a fresh caller-key file for hotline-intake: an AES-256-GCM key (the
# first key line is the active one; keep old lines to read old records) and
# the HMAC key of the phone-number hash.
set -euo pipefail
echo "# KEY_ID HEX64 — caller identity encryption keys, newest first"
echo "k$(date +%Y%m%d) $(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "hmac $(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
