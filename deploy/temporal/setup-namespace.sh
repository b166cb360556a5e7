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

echo "Waiting for Temporal at ${TEMPORAL_ADDRESS}..."
attempt=0
until temporal operator cluster health --address "${TEMPORAL_ADDRESS}" >/dev/null 2>&1; do
  attempt=$((attempt + 1))
  if [ "${attempt}" -ge 60 ]; then
    echo "Temporal is not healthy after 60 attempts" >&2
    exit 1
  fi
  sleep 2
done

if temporal operator namespace describe --address "${TEMPORAL_ADDRESS}" -n "${NAMESPACE}" >/dev/null 2>&1; then
  echo "Namespace ${NAMESPACE}: exists"
else
  temporal operator namespace create --address "${TEMPORAL_ADDRESS}" -n "${NAMESPACE}" --retention "${RETENTION}"
  echo "Namespace ${NAMESPACE}: created (retention ${RETENTION})"
fi

existing=$(temporal operator search-attribute list --address "${TEMPORAL_ADDRESS}" -n "${NAMESPACE}")
for attribute in ${SEARCH_ATTRIBUTES}; do
  name=${attribute%%=*}
  type=${attribute#*=}
  if printf '%s\n' "${existing}" | grep -qw "${name}"; then
    echo "Search attribute ${name}: exists"
  else
    temporal operator search-attribute create --address "${TEMPORAL_ADDRESS}" -n "${NAMESPACE}" \
      --name "${name}" --type "${type}"
    echo "Search attribute ${name} (${type}): registered"
  fi
done
