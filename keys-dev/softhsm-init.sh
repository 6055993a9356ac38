#!/usr/bin/env bash
# A SoftHSM2 token for a development run with the master key in a PKCS#11 token:
#
#   eval "$(keys-dev/softhsm-init.sh)"     # then: ./mvnw quarkus:dev
#
# Creates (once) a private token store under .cardvault/softhsm/, a token labelled cardvault-dev and
# a user PIN file, and prints the settings to export. The service creates its master key inside the
# token on the first start (create-if-missing), as a sensitive, non-extractable key. The embedded
# database gets a directory of its own: keys wrapped by the file master key do not open with this one.
# Needs the Debian package softhsm2 (apt-get install softhsm2). Development only: a SoftHSM token
# is a file, and the PIN file sits next to it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/.cardvault/softhsm"
label=${CARDVAULT_SOFTHSM_LABEL:-cardvault-dev}
library=/usr/lib/softhsm/libsofthsm2.so
command -v softhsm2-util >/dev/null && [ -r "$library" ] || {
  echo "softhsm2 is not installed: apt-get install softhsm2" >&2
  exit 1
}
mkdir -p "$dir/tokens"
chmod 700 "$dir"
conf="$dir/softhsm2.conf"
[ -f "$conf" ] || printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$dir/tokens" > "$conf"
export SOFTHSM2_CONF="$conf"
pin_file="$dir/user.pin"
if [ ! -f "$pin_file" ]; then
  (umask 077; head -c 12 /dev/urandom | base64 | tr -d '/+=' > "$pin_file")
fi
slot_of() {
  softhsm2-util --show-slots | awk -v want="$label" '/^Slot [0-9]+/ {slot=$2} $1=="Label:" {l=$0; sub(/^[ \t]*Label:[ \t]*/, "", l); sub(/[ \t]+$/, "", l); if (l==want) {print slot; exit}}'
}
slot=$(slot_of)
if [ -z "$slot" ]; then
  pin=$(cat "$pin_file")
  softhsm2-util --init-token --free --label "$label" --pin "$pin" --so-pin "$pin-so" >/dev/null
  slot=$(slot_of)
fi
[ -n "$slot" ] || { echo "the token $label was not created" >&2; exit 1; }
cat <<ENV
export SOFTHSM2_CONF='$conf'
export CARDVAULT_MASTER_KEY_SOURCE=pkcs11
export CARDVAULT_MASTER_KEY_PKCS11_LIBRARY='$library'
export CARDVAULT_MASTER_KEY_PKCS11_SLOT=$slot
export CARDVAULT_MASTER_KEY_PKCS11_PIN_FILE='$pin_file'
export CARDVAULT_MASTER_KEY_PKCS11_CREATE_IF_MISSING=true
export CARDVAULT_EMBEDDED_DB_DATA_DIR='$root/.cardvault/pgdata-hsm'
ENV
