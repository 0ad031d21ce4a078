# bench/lib.sh: the preamble shared by the bench scripts (sourced, not run).
#
# bench_exec PROGRAM ARGS...: exec bench/lib/PROGRAM with Debian's /usr/bin/python3
# (installed with apt-get when missing, unless NO_APT is set).
#
# bench_parse_args (for the scripts still in shell):
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   bench_parse_args "$@"
#
# Parses [--quick] [BUILD_DIR] (and -h/--help, which prints the calling script's leading
# comment) and sets: script_dir, repo_root, peers_src, quick (0/1), build_dir (absolute,
# default <repo>/build) and peers_dir (absolute, $AIO_PEERS_DIR or BUILD_DIR/bench-peers),
# creating both directories. Adds ~/.cargo/bin to PATH (rustup puts cargo there).

bench_parse_args() {
  local script=${BASH_SOURCE[1]}
  script_dir=$(cd "$(dirname "$script")" && pwd)
  repo_root=$(cd "$script_dir/.." && pwd)
  peers_src="$script_dir/peers"
  quick=0
  build_dir=""
  local arg
  for arg in "$@"; do
    case "$arg" in
      --quick) quick=1 ;;
      -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$script"
                 exit 0 ;;
      -*) echo "unknown option: $arg" >&2; exit 64 ;;
      *) if [[ -n "$build_dir" ]]; then echo "more than one BUILD_DIR given" >&2; exit 64; fi
         build_dir="$arg" ;;
    esac
  done
  build_dir=${build_dir:-"$repo_root/build"}
  mkdir -p "$build_dir" || exit 1
  build_dir=$(cd "$build_dir" && pwd)
  peers_dir=${AIO_PEERS_DIR:-"$build_dir/bench-peers"}
  mkdir -p "$peers_dir" || exit 1
  peers_dir=$(cd "$peers_dir" && pwd)
  [[ -d "$HOME/.cargo/bin" ]] && PATH="$PATH:$HOME/.cargo/bin"
  return 0
}

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
