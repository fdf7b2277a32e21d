#!/usr/bin/env bash
# Prints a fresh caller-key file for hotline-intake: an AES-256-GCM key
# (`KEY_ID HEX64`; the first such line is the active one) and an HMAC key of
# the phone-number hash (`hmac KEY_ID HEX64`; the first is active). To rotate,
# put these lines above the old ones (keep those until `hotline-intake
# rotate-keys` has finished); see services/intake/README.md, Key rotation.
set -euo pipefail
stamp="$(date +%Y%m%d%H%M)"
echo "# KEY_ID HEX64 — caller identity encryption keys, newest first"
echo "k${stamp} $(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "# hmac KEY_ID HEX64 — phone-hash keys, newest first"
echo "hmac h${stamp} $(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
