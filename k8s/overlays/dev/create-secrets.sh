#!/usr/bin/env bash
# Creates the Secrets the dev overlay names, in namespace cardvault-dev (the overlay's namespace):
#   cardvault-db-app      the schema owner cardvault and a random password (keys as CloudNativePG writes them)
#   cardvault-db-runtime  the service's runtime role cardvault_app and a random password
#   cardvault-jwt         keys-dev/jwt-public.pem, so tokens from keys-dev/mint-jwt.sh are accepted
#   cardvault-master-key  a fresh random master key (not keys-dev/master.key: nothing to leak)
#   cardvault-tls         a self-signed certificate for the example Ingress host (needs openssl)
# Development only: the prod profile refuses keys-dev material. Safe to rerun: the database
# passwords and the master key are created once and never replaced (kubectl create refuses to
# overwrite); the JWT key and the 30-day certificate are refreshed.
set -euo pipefail
ns=cardvault-dev
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Create once: AlreadyExists is fine, any other failure stops the script.
create_once() { # what, then kubectl create arguments
  local what=$1 out
  shift
  if out=$(kubectl "$@" 2>&1); then
    echo "created $what"
  elif grep -q AlreadyExists <<<"$out"; then
    echo "kept existing $what"
  else
    echo "$out" >&2
    exit 1
  fi
}
# Create or replace.
refresh() { kubectl -n "$ns" create secret "$@" --dry-run=client -o yaml | kubectl -n "$ns" apply -f -; }

create_once "namespace $ns" create namespace "$ns"
password() { head -c 24 /dev/urandom | base64 | tr -d '/+='; }
create_once "secret cardvault-db-app" -n "$ns" create secret generic cardvault-db-app \
  --from-literal=username=cardvault --from-literal=password="$(password)"
create_once "secret cardvault-db-runtime" -n "$ns" create secret generic cardvault-db-runtime \
  --from-literal=username=cardvault_app --from-literal=password="$(password)"
# A new master key would make every stored card unreadable: never replaced.
create_once "secret cardvault-master-key" -n "$ns" create secret generic cardvault-master-key \
  --from-literal=master.key="$(head -c 32 /dev/urandom | base64)"
refresh generic cardvault-jwt --from-file=public.pem="$root/keys-dev/jwt-public.pem"
host=$(kubectl kustomize "$here" | awk '/^kind: Ingress/ {f=1} f && /host:/ {print $NF; exit}')
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$host" -addext "subjectAltName=DNS:$host" \
  -keyout "$tmp/tls.key" -out "$tmp/tls.crt" 2>/dev/null
refresh tls cardvault-tls --cert="$tmp/tls.crt" --key="$tmp/tls.key"
