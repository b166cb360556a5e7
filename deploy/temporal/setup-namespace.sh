#!/bin/sh
# One-shot, once the Temporal server is healthy (docker-compose.yml `temporal-namespace`, temporalio/admin-tools):
# creates the namespace if it is missing and registers this project's custom search attributes
# (SEARCH_ATTRIBUTES: "Name=Type ...", the list in src/definitions.ts SEARCH_ATTRIBUTE_REGISTRATIONS; a test keeps
# docker-compose.yml equal to it). Safe to run on every `docker compose up`: what exists is left as it is.
# Done here, before any worker starts, so three workers booting at once do not race to register them.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS (host:port of the Temporal frontend) is required}"
: "${NAMESPACE:?NAMESPACE is required}"
: "${SEARCH_ATTRIBUTES:?SEARCH_ATTRIBUTES (Name=Type ...) is required}"
RETENTION="${NAMESPACE_RETENTION:-30d}"

# Runs "$@" until it succeeds, every 2 s, for at most 2 minutes: the server may still be starting, and it takes
# some seconds to see a namespace just created.
retry() {
  attempt=1
  until "$@"; do
    if [ "${attempt}" -ge 60 ]; then
      echo "Gave up after ${attempt} attempts: $*" >&2
      return 1
    fi
    attempt=$((attempt + 1))
    sleep 2
  done
}

echo "Waiting for Temporal at ${TEMPORAL_ADDRESS}..."
retry temporal operator cluster health --address "${TEMPORAL_ADDRESS}" >/dev/null

if temporal operator namespace describe --address "${TEMPORAL_ADDRESS}" -n "${NAMESPACE}" >/dev/null 2>&1; then
  echo "Namespace ${NAMESPACE}: exists"
else
  temporal operator namespace create --address "${TEMPORAL_ADDRESS}" -n "${NAMESPACE}" --retention "${RETENTION}" \
    >/dev/null
  echo "Namespace ${NAMESPACE}: created (retention ${RETENTION})"
fi

existing=$(retry temporal operator search-attribute list --address "${TEMPORAL_ADDRESS}" -n "${NAMESPACE}" 2>/dev/null)
for attribute in ${SEARCH_ATTRIBUTES}; do
  name=${attribute%%=*}
  type=${attribute#*=}
  if printf '%s\n' "${existing}" | grep -qw "${name}"; then
    echo "Search attribute ${name}: exists"
  else
    retry temporal operator search-attribute create --address "${TEMPORAL_ADDRESS}" -n "${NAMESPACE}" \
      --name "${name}" --type "${type}"
    echo "Search attribute ${name} (${type}): registered"
  fi
done
