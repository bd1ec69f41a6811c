#!/usr/bin/env bash
# Container entry point of the Sluice broker image: writes server.properties from SLUICE_CFG_*
# environment variables, then runs bin/sluice-broker in the foreground (as PID 1's exec).
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: entrypoint.sh [--print-config] [--override key=value ...]

Builds a Kafka-style server.properties from the environment and execs bin/sluice-broker with it.

Every variable SLUICE_CFG_<NAME> becomes the broker key <name>: the SLUICE_CFG_ prefix is dropped,
the rest is lower-cased and each '_' becomes '.' (SLUICE_CFG_BROKER_ID=1 -> broker.id=1,
SLUICE_CFG_ADVERTISED_LISTENERS=... -> advertised.listeners=...). Other variables are not keys.

Deprecated: SLUICE_<NAME> without CFG_ is still read the same way (with a warning; SLUICE_CFG_<NAME>
wins when both are set), except the launcher variables (SLUICE_HOME, SLUICE_HEAP_OPTS,
SLUICE_JVM_OPTS, SLUICE_OPTS, SLUICE_GC_LOG_DIR, SLUICE_LOG_CONFIG, SLUICE_LOG_FORMAT, SLUICE_CLASSPATH,
SLUICE_DEFAULT_HEAP_OPTS, SLUICE_CONFIG_FILE, SLUICE_EXTERNAL_*, SLUICE_POD_ORDINAL) and the service-link variables Kubernetes injects
for a Service named sluice-* (SLUICE_BROKER_SERVICE_HOST, SLUICE_BROKER_SERVICE_PORT[_<NAME>],
SLUICE_BROKER_PORT=tcp://..., SLUICE_BROKER_PORT_9092_TCP[_PROTO|_PORT|_ADDR]), which are ignored.

External listener (clients outside a Kubernetes cluster, deploy/kubernetes/broker-external.yaml): when
SLUICE_EXTERNAL_HOST is set, <listener>://<host>:<port> is appended to advertised.listeners, where
  <listener> is SLUICE_EXTERNAL_LISTENER (default EXTERNAL; it must be one of listeners),
  <host>     is SLUICE_EXTERNAL_HOST with every "{ordinal}" replaced by the pod ordinal,
  <port>     is SLUICE_EXTERNAL_PORT_BASE + the pod ordinal (one address, a port per broker: NodePort)
             or SLUICE_EXTERNAL_PORT (an address per broker, one port: LoadBalancer); set exactly one,
and the pod ordinal is SLUICE_POD_ORDINAL or else the number ending $HOSTNAME (a StatefulSet pod
sluice-broker-2 has ordinal 2).

Defaults: log.dirs=/var/lib/sluice/data unless log.dirs or log.dir is set.
The file goes to $SLUICE_CONFIG_FILE (default /tmp/sluice/server.properties). Keys are
validated by the broker at startup (exit 2 naming the key).

  --print-config   print the generated properties to stdout and exit instead of starting
  --override k=v   passed on to sluice-broker
USAGE
}

CFG_PREFIX=SLUICE_CFG_
LAUNCHER_VARS=" SLUICE_HOME SLUICE_HEAP_OPTS SLUICE_JVM_OPTS SLUICE_OPTS SLUICE_GC_LOG_DIR SLUICE_LOG_CONFIG SLUICE_LOG_FORMAT SLUICE_CLASSPATH SLUICE_DEFAULT_HEAP_OPTS SLUICE_CONFIG_FILE SLUICE_EXTERNAL_HOST SLUICE_EXTERNAL_PORT SLUICE_EXTERNAL_PORT_BASE SLUICE_EXTERNAL_LISTENER SLUICE_POD_ORDINAL "

print_only=false
args=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --print-config) print_only=true; shift ;;
    --help | -h) usage; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done

# A variable Kubernetes derives from a Service (enableServiceLinks): <SVC>_SERVICE_HOST,
# <SVC>_SERVICE_PORT, <SVC>_SERVICE_PORT_<PORT_NAME>, <SVC>_PORT=<proto>://ip:port and
# <SVC>_PORT_<n>_<PROTO>[_PROTO|_PORT|_ADDR].
is_service_link() {
  local name=$1 value=$2
  [[ $name =~ _SERVICE_HOST$ || $name =~ _SERVICE_PORT(_[A-Z0-9_]+)?$ ]] && return 0
  [[ $name =~ _PORT_[0-9]+_(TCP|UDP|SCTP)(_PROTO|_PORT|_ADDR)?$ ]] && return 0
  [[ $name =~ _PORT$ && $value =~ ^(tcp|udp|sctp):// ]] && return 0
  return 1
}

# <listener>://<host>:<port> of the external listener of this pod (see the usage text).
external_endpoint() {
  local ordinal=${SLUICE_POD_ORDINAL:-${HOSTNAME##*-}} port
  if [[ ! $ordinal =~ ^[0-9]+$ ]]; then
    echo "entrypoint.sh: SLUICE_EXTERNAL_HOST needs the pod ordinal: HOSTNAME '${HOSTNAME:-}' does not end in -<number> and SLUICE_POD_ORDINAL is not set" >&2
    return 2
  fi
  ordinal=$((10#$ordinal))
  if [[ -n ${SLUICE_EXTERNAL_PORT_BASE:-} && -z ${SLUICE_EXTERNAL_PORT:-} && $SLUICE_EXTERNAL_PORT_BASE =~ ^[0-9]+$ ]]; then
    port=$((10#$SLUICE_EXTERNAL_PORT_BASE + ordinal))
  elif [[ -n ${SLUICE_EXTERNAL_PORT:-} && -z ${SLUICE_EXTERNAL_PORT_BASE:-} && $SLUICE_EXTERNAL_PORT =~ ^[0-9]+$ ]]; then
    port=$((10#$SLUICE_EXTERNAL_PORT))
  else
    echo "entrypoint.sh: SLUICE_EXTERNAL_HOST needs exactly one of SLUICE_EXTERNAL_PORT_BASE and SLUICE_EXTERNAL_PORT, a number (have '${SLUICE_EXTERNAL_PORT_BASE:-}' and '${SLUICE_EXTERNAL_PORT:-}')" >&2
    return 2
  fi
  if ((port < 1 || port > 65535)); then
    echo "entrypoint.sh: the external port $port (pod ordinal $ordinal) is not a TCP port" >&2
    return 2
  fi
  printf '%s://%s:%s' "${SLUICE_EXTERNAL_LISTENER:-EXTERNAL}" "${SLUICE_EXTERNAL_HOST//\{ordinal\}/$ordinal}" "$port"
}

to_key() {
  local key=${1,,}
  printf '%s' "${key//_/.}"
}

render() {
  local name key have_log_dirs=false
  declare -A props=()
  # Deprecated unprefixed variables first, so that SLUICE_CFG_* overrides them.
  while IFS= read -r name; do
    [[ $name == "$CFG_PREFIX"* || $LAUNCHER_VARS == *" $name "* ]] && continue
    is_service_link "$name" "${!name}" && continue
    key=$(to_key "${name#SLUICE_}")
    echo "entrypoint.sh: $name is deprecated, use $CFG_PREFIX${name#SLUICE_} (-> $key)" >&2
    props[$key]=${!name}
  done < <(compgen -e | grep '^SLUICE_' | sort)
  while IFS= read -r name; do
    props[$(to_key "${name#"$CFG_PREFIX"}")]=${!name}
  done < <(compgen -e | grep "^$CFG_PREFIX" | sort)

  if [[ -n ${SLUICE_EXTERNAL_HOST:-} ]]; then
    local external
    external=$(external_endpoint) || return 2
    props[advertised.listeners]=${props[advertised.listeners]:+${props[advertised.listeners]},}$external
  fi

  echo "# Generated by entrypoint.sh from ${CFG_PREFIX}* environment variables."
  while IFS= read -r key; do
    [[ -n $key ]] || continue
    [[ $key == log.dirs || $key == log.dir ]] && have_log_dirs=true
    printf '%s=%s\n' "$key" "${props[$key]}"
  done < <(printf '%s\n' "${!props[@]}" | sort)
  if [[ $have_log_dirs == false ]]; then
    echo "log.dirs=/var/lib/sluice/data"
  fi
}

if [[ $print_only == true ]]; then
  render
  exit 0
fi

config_file=${SLUICE_CONFIG_FILE:-/tmp/sluice/server.properties}
mkdir -p "$(dirname "$config_file")"
render >"$config_file"

SLUICE_HOME=${SLUICE_HOME:-$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)}
export SLUICE_HOME
exec "$SLUICE_HOME/bin/sluice-broker" "$config_file" "${args[@]}"
