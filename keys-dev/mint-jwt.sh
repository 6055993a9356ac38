#!/usr/bin/env bash
# Mints an RS256 JWT that a CardVault running in the dev or test profile accepts.
# Development only: the signing key next to this script is public knowledge.
# Needs bash and openssl, nothing else.
set -euo pipefail

usage() {
  cat >&2 <<'USAGE'
usage: mint-jwt.sh --sub SUBJECT --groups role1,role2 --tenant TENANT [--ttl SECONDS] [--issuer URL]
  roles: tokenizer, detokenizer, privacy-officer, processor-admin, key-custodian, auditor, telephony
  tenant must match ^[a-z0-9][a-z0-9-]{0,62}$
USAGE
  exit 2
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
key="${CARDVAULT_JWT_SIGNING_KEY:-$here/jwt-private.pem}"
sub="" groups="" tenant="" ttl=3600 issuer="https://cardvault.dev/issuer"

while [ $# -gt 0 ]; do
  case "$1" in
    --sub) sub="${2:-}"; shift 2 ;;
    --groups) groups="${2:-}"; shift 2 ;;
    --tenant) tenant="${2:-}"; shift 2 ;;
    --ttl) ttl="${2:-}"; shift 2 ;;
    --issuer) issuer="${2:-}"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "mint-jwt.sh: unknown argument: $1" >&2; usage ;;
  esac
done

[ -n "$sub" ] || { echo "mint-jwt.sh: --sub is required" >&2; usage; }
[[ "$ttl" =~ ^[0-9]+$ ]] || { echo "mint-jwt.sh: --ttl must be a number of seconds" >&2; exit 2; }
[ -r "$key" ] || { echo "mint-jwt.sh: cannot read signing key $key" >&2; exit 1; }

# JSON string escaping for the few characters that can appear in arguments.
json_str() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

now=$(date +%s)
exp=$((now + ttl))

groups_json="["
if [ -n "$groups" ]; then
  IFS=',' read -r -a roles <<< "$groups"
  sep=""
  for r in "${roles[@]}"; do
    groups_json+="$sep$(json_str "$r")"; sep=","
  done
fi
groups_json+="]"

jti=$(openssl rand -hex 16)
header='{"alg":"RS256","typ":"JWT"}'
payload="{\"iss\":$(json_str "$issuer"),\"sub\":$(json_str "$sub"),\"groups\":$groups_json"
[ -n "$tenant" ] && payload+=",\"tenant\":$(json_str "$tenant")"
payload+=",\"iat\":$now,\"exp\":$exp,\"jti\":\"$jti\"}"

signing_input="$(printf '%s' "$header" | b64url).$(printf '%s' "$payload" | b64url)"
signature=$(printf '%s' "$signing_input" | openssl dgst -sha256 -sign "$key" -binary | b64url)
printf '%s.%s\n' "$signing_input" "$signature"
