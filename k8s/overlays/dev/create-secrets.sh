#!/usr/bin/env bash
# Creates the Secrets the dev overlay names, in namespace cardvault-dev:
#   cardvault-db-app      a random database password (keys as CloudNativePG writes them)
#   cardvault-jwt         keys-dev/jwt-public.pem, so tokens from keys-dev/mint-jwt.sh are accepted
#   cardvault-master-key  a fresh random master key (not keys-dev/master.key: nothing to leak)
#   cardvault-tls         a self-signed certificate for the example Ingress host (needs openssl)
# Development only: the prod profile refuses keys-dev material. Idempotent (apply).
set -euo pipefail
ns=${NAMESPACE:-cardvault-dev}
root=$(cd "$(dirname "$0")/../../.." && pwd)
kubectl get namespace "$ns" >/dev/null 2>&1 || kubectl create namespace "$ns"
apply() { kubectl -n "$ns" create secret generic "$@" --dry-run=client -o yaml | kubectl apply -f -; }
if ! kubectl -n "$ns" get secret cardvault-db-app >/dev/null 2>&1; then
  apply cardvault-db-app --from-literal=host=cardvault-db-rw --from-literal=port=5432 \
    --from-literal=dbname=cardvault --from-literal=username=cardvault \
    --from-literal=password="$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
fi
apply cardvault-jwt --from-file=public.pem="$root/keys-dev/jwt-public.pem"
if ! kubectl -n "$ns" get secret cardvault-master-key >/dev/null 2>&1; then
  # Created once: a new master key would make every stored card unreadable.
  apply cardvault-master-key --from-literal=master.key="$(head -c 32 /dev/urandom | base64)"
fi
if ! kubectl -n "$ns" get secret cardvault-tls >/dev/null 2>&1; then
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  host=$(kubectl kustomize "$(dirname "$0")" | awk '/^kind: Ingress/ {f=1} f && /host:/ {print $NF; exit}')
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$host" -addext "subjectAltName=DNS:$host" \
    -keyout "$tmp/tls.key" -out "$tmp/tls.crt" 2>/dev/null
  kubectl -n "$ns" create secret tls cardvault-tls --cert="$tmp/tls.crt" --key="$tmp/tls.key" --dry-run=client -o yaml | kubectl apply -f -
fi
