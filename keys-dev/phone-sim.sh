#!/usr/bin/env bash
# A telephony simulator for development: opens a PHONE capture session as an agent, then plays the
# customer's key presses (card number, #, expiry MMYY, #) to the vault as a telephony platform
# would, one DTMF digit at a time with human timing. Prints only what the agent may see.
# Needs bash, curl and openssl (for keys-dev/mint-jwt.sh). Development only.
#
#   keys-dev/phone-sim.sh --card 4111111111111111 --expiry 1230 [--tenant acme] [--vault http://localhost:8080]
#                         [--session cs_...] [--delay-ms 350] [--typo]
#   --session: key into a session the agent already opened (else one is opened and its id printed)
#   --typo:    key a wrong digit first and clear it with *, as customers do
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
vault="http://localhost:8080" tenant="acme" card="" expiry="" session="" delay_ms=350 typo=false

while [ $# -gt 0 ]; do
  case "$1" in
    --card) card="${2:-}"; shift 2 ;;
    --expiry) expiry="${2:-}"; shift 2 ;;
    --tenant) tenant="${2:-}"; shift 2 ;;
    --vault) vault="${2:-}"; shift 2 ;;
    --session) session="${2:-}"; shift 2 ;;
    --delay-ms) delay_ms="${2:-}"; shift 2 ;;
    --typo) typo=true; shift ;;
    *) echo "phone-sim.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
[[ "$card" =~ ^[0-9]{12,19}$ ]] || { echo "phone-sim.sh: --card must be 12 to 19 digits" >&2; exit 2; }
[[ "$expiry" =~ ^[0-9]{4}$ ]] || { echo "phone-sim.sh: --expiry must be MMYY" >&2; exit 2; }
[[ "$delay_ms" =~ ^[0-9]+$ ]] || { echo "phone-sim.sh: --delay-ms must be a number" >&2; exit 2; }

agent=$("$here/mint-jwt.sh" --sub phone-agent --groups tokenizer --tenant "$tenant" --ttl 1800)
ivr=$("$here/mint-jwt.sh" --sub ivr --groups telephony --tenant "$tenant" --ttl 1800)

if [ -z "$session" ]; then
  session=$(curl -sf -H "Authorization: Bearer $agent" -H 'Content-Type: application/json' "$vault/v1/capture-sessions" \
    -d '{"channel":"PHONE","metadata":{"orderRef":"SIM-1"}}' | sed -n 's/.*"id":"\(cs_[0-9a-f]*\)".*/\1/p')
  [ -n "$session" ] || { echo "phone-sim.sh: the vault did not open a session" >&2; exit 1; }
  echo "session $session (agent's live view: curl -N -H \"Authorization: Bearer <agent JWT>\" $vault/v1/capture-sessions/$session/events)"
fi

seq=0
last=""
press() { # one DTMF key, as the telephony platform forwards it
  seq=$((seq + 1))
  last=$(curl -s -H "Authorization: Bearer $ivr" -H 'Content-Type: application/json' \
    "$vault/v1/capture-sessions/$session/keys" -d "{\"keys\":\"$1\",\"seq\":$seq}")
  # The vault answers masked progress only; print its shape, never the key.
  echo "$last" | sed -n 's/.*"state":"\([A-Z]*\)".*"field":"\([a-z]*\)","digitsEntered":\([0-9]*\).*/  \1 \2 digits=\3/p'
  if [ "$delay_ms" -gt 0 ]; then sleep "$(awk "BEGIN { print ($delay_ms + ($RANDOM % 200)) / 1000 }")"; fi
}

if $typo; then press 9; press '*'; fi
for ((i = 0; i < ${#card}; i++)); do press "${card:i:1}"; done
press '#'
for ((i = 0; i < 4; i++)); do press "${expiry:i:1}"; done
press '#'

state=$(echo "$last" | sed -n 's/.*"state":"\([A-Z]*\)".*/\1/p')
token=$(echo "$last" | sed -n 's/.*"token":"\(tok_[A-Za-z0-9]*\)".*/\1/p')
echo "session $session $state${token:+ token $token}"
[ "$state" = "COMPLETED" ]
