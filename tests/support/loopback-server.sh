# A server for the shell tests on a loopback port no one else holds. Ports derived from the
# script's PID collided when ctest started two such scripts one after the other (a PemExport
# handshake reached the SSH test's sshd), so the port is random, outside the kernel's ephemeral
# range, and a server counts as started only once its own process holds the listening socket.
#
# start_server CMD... : runs CMD in the background with every @PORT@ in it replaced by the
#   port; sets server_pid and server_port. Its output goes to $server_log (/dev/null if unset).
# stop_server : stops it and waits for it.

listening_inodes() {  # PORT [TABLE...] -> the inodes of the TCP sockets listening on PORT
    local hex
    hex=$(printf ':%04X' "$1")
    shift
    [ $# -gt 0 ] || set -- /proc/net/tcp /proc/net/tcp6
    awk -v port="$hex" '$4 == "0A" && substr($2, length($2) - 4) == port { print $10 }' \
        "$@" 2>/dev/null
}

# Only IPv4 counts: the clients connect to 127.0.0.1, and gnutls-serv keeps running with its
# IPv6 socket when another program holds the IPv4 port.
holds_listener() {  # PID PORT -> 0 when PID's own socket listens on 127.0.0.1:PORT
    local inode
    for inode in $(listening_inodes "$2" /proc/net/tcp); do
        ls -l "/proc/$1/fd" 2>/dev/null | grep -q "socket:\[$inode\]" && return 0
    done
    return 1
}

start_server() {
    local arg args
    for _ in $(seq 20); do
        server_port=$((10000 + RANDOM % 22000))
        [ -z "$(listening_inodes "$server_port")" ] || continue
        args=()
        for arg in "$@"; do args+=("${arg//@PORT@/$server_port}"); done
        "${args[@]}" >"${server_log:-/dev/null}" 2>&1 &
        server_pid=$!
        for _ in $(seq 200); do
            holds_listener "$server_pid" "$server_port" && return 0
            # The port was taken meanwhile: the server has exited, or someone else listens.
            kill -0 "$server_pid" 2>/dev/null || break
            [ -z "$(listening_inodes "$server_port" /proc/net/tcp)" ] || break
            sleep 0.05
        done
        stop_server
    done
    echo "no loopback port for: $*" >&2
    return 1
}

stop_server() {
    [ -n "${server_pid:-}" ] || return 0
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}
