#!/usr/bin/env bash
# Static files side by side: examples/static_server (aiocpp) vs nginx (1 worker, sendfile on)
# serving the same folder on 127.0.0.1. Prints req/s for a 1 KiB file (wrk -t1 -c50, keep-
# alive) and MB/s for one 256 MiB download (curl), and the ratios. Not a CI gate.
#
#     bench/http/static_files.sh [build-dir]        (default: build)
set -euo pipefail
build=${1:-build}
server="$build/examples/static_server"
[ -x "$server" ] || { echo "build example_static_server first ($server)"; exit 2; }
for t in nginx wrk curl; do command -v $t >/dev/null || { echo "needs $t (apt-get install -y nginx wrk curl)"; exit 2; }; done
dir=$(mktemp -d)
trap 'kill $aio_pid $nginx_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
mkdir "$dir/www"
head -c 1024 /dev/urandom > "$dir/www/small.bin"
head -c $((256 << 20)) /dev/zero > "$dir/www/big.bin"
chmod -R a+rX "$dir" # nginx's worker runs as nobody
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
aio_port=$(port); nginx_port=$(port)
"$server" "$dir/www" --port "$aio_port" --quiet > /dev/null &
aio_pid=$!
cat > "$dir/nginx.conf" <<CONF
worker_processes 1; daemon off; pid $dir/nginx.pid; error_log $dir/error.log;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush on; keepalive_requests 1000000;
       server { listen 127.0.0.1:$nginx_port; root $dir/www; } }
CONF
nginx -c "$dir/nginx.conf" -p "$dir" &
nginx_pid=$!
sleep 0.5
rps() {
    local out
    out=$(wrk -t1 -c50 -d5s "http://127.0.0.1:$1/small.bin")
    if grep -q Non-2xx <<< "$out"; then echo "non-2xx answers from port $1" >&2; exit 1; fi
    awk '/Requests\/sec/ {print $2}' <<< "$out"
}
mbs() { curl -s -o /dev/null -w '%{speed_download}' "http://127.0.0.1:$1/big.bin" | awk '{printf "%.0f", $1 / 1e6}'; }
a_rps=$(rps "$aio_port"); n_rps=$(rps "$nginx_port")
a_mbs=$(mbs "$aio_port"); n_mbs=$(mbs "$nginx_port")
echo "1 KiB file, wrk -t1 -c50 -d5s: aiocpp $a_rps req/s, nginx $n_rps req/s, ratio $(python3 -c "print(round($a_rps/$n_rps, 2))")"
echo "256 MiB file, curl:             aiocpp $a_mbs MB/s, nginx $n_mbs MB/s, ratio $(python3 -c "print(round($a_mbs/$n_mbs, 2))")"
