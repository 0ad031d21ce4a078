# bench/lib.sh: what the bench entry points share (sourced, not run). Each is a thin
# wrapper whose leading comment is its documentation (-h prints it); the measuring is a
# Python 3 program in bench/lib/ (standard library only, see bench/lib/aiobench/), run by
# Debian's /usr/bin/python3, which is installed with apt-get when missing unless NO_APT is
# set (the programs install the peers' packages the same way).
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   bench_exec echo_bench.py "$@"

bench_exec() {
  local program=$1 python=/usr/bin/python3
  shift
  if [[ ! -x $python && -z "${NO_APT:-}" ]]; then
    local sudo=()
    (( EUID == 0 )) || sudo=(sudo -n)
    echo "[bench] installing missing packages: python3" >&2
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y python3 >&2 ||
      echo "[bench] apt-get install python3 failed" >&2
  fi
  [[ -x $python ]] || python=$(command -v python3) || {
    echo "[bench] python3 not found (apt-get install python3)" >&2
    exit 1
  }
  exec "$python" "$(dirname "${BASH_SOURCE[0]}")/lib/$program" "$@"
}
