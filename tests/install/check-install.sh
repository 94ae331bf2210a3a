#!/usr/bin/env bash
# cmake --install into a scratch root: every file DESIGN.md names is in its usual place, and a
# program builds against the installed library through pkg-config and through CMake; the
# session service file starts the daemon when a client first calls it.
set -euo pipefail
build=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
# Files name the prefix the build was configured with (/usr/local unless told otherwise).
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
DESTDIR="$root" cmake --install "$build" >/dev/null
p=${prefix#/}

for file in \
    $p/sbin/peertrustd \
    $p/bin/peertrust \
    $p/bin/peertrust-ssh-known-hosts \
    $p/lib/libpeertrust.so \
    $p/include/peertrust/Client.h \
    $p/include/peertrust/KeysClient.h \
    $p/lib/pkgconfig/peertrust.pc \
    $p/lib/cmake/peertrust/peertrustConfig.cmake \
    $p/share/dbus-1/interfaces/org.peertrust.Trust1.xml \
    $p/share/dbus-1/interfaces/org.peertrust.Keys1.xml \
    $p/share/dbus-1/system.d/org.peertrust.Trust1.conf \
    $p/share/dbus-1/services/org.peertrust.Trust1.service \
    $p/share/dbus-1/system-services/org.peertrust.Trust1.service \
    $p/lib/systemd/system/peertrustd.service; do
    [ -e "$root/$file" ] || { echo "missing: /$file"; exit 1; }
done
grep -qx "Exec=$prefix/sbin/peertrustd --session" "$root/$p/share/dbus-1/services/org.peertrust.Trust1.service"
grep -qx 'SystemdService=peertrustd.service' "$root/$p/share/dbus-1/system-services/org.peertrust.Trust1.service"
unit="$root/$p/lib/systemd/system/peertrustd.service"
grep -qx "ExecStart=$prefix/sbin/peertrustd --system" "$unit"
# ProtectSystem=strict makes everything read-only but what the unit names: the system store
# (/var/lib/peertrust), the key gateway's socket (/run/peertrust/keys.sock) and the PEM bundle
# the README suggests (/etc/ssl/certs/peertrust.pem) must each be named.
for line in StateDirectory=peertrust RuntimeDirectory=peertrust ReadWritePaths=-/etc/ssl/certs; do
    grep -qx "$line" "$unit" || { echo "peertrustd.service lacks $line"; exit 1; }
done
if command -v systemd-analyze >/dev/null && [ -d /run/systemd/system ]; then
    systemd-analyze verify "$unit"
fi
# The bus policy is well-formed: dbus-daemon refuses to start on a bad one.
xml=$(mktemp)
printf '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd"><busconfig><type>system</type><listen>unix:path=%s.sock</listen><include>%s</include></busconfig>' \
    "$xml" "$root/$p/share/dbus-1/system.d/org.peertrust.Trust1.conf" >"$xml.conf"
dbus-daemon --config-file="$xml.conf" --nofork --nopidfile --print-address >"$xml.address" &
bus=$!
# It prints its address once the configuration is read; on a bad one it exits instead.
for _ in $(seq 100); do
    [ -s "$xml.address" ] && break
    kill -0 $bus 2>/dev/null || { echo "dbus-daemon refused the installed bus policy" >&2; exit 1; }
    sleep 0.1
done
[ -s "$xml.address" ] || { echo "dbus-daemon did not start within 10 s" >&2; exit 1; }
kill $bus; wait $bus 2>/dev/null || true
rm -f "$xml" "$xml.conf" "$xml.sock" "$xml.address"

cat >"$root/consumer.cpp" <<'CPP'
#include <peertrust/Client.h>
#include <peertrust/GnutlsGlue.h>
#include <peertrust/KeysClient.h>
#include <peertrust/TimeFormat.h>
#include <iostream>
// The README's GnuTLS section, as a program writes it: it compiles and links against what was
// installed (there is no daemon here, so it runs only when one answers).
void handshakeAsTheReadmeShows(peertrust::Client* client) {
    gnutls_session_t session;
    gnutls_init(&session, GNUTLS_CLIENT);
    {
        peertrust::GnutlsSessionVerifier verifier(session, *client, "https", "www.example.com");
        if (gnutls_handshake(session) < 0 && verifier.verdict()) {
            std::cerr << verifier.verdict()->explanation << '\n';
        }
        auto tdb = peertrust::makeTrustDatabase(*client);
        if (tdb) {
            gnutls_tdb_deinit(*tdb);
        }
    }
    gnutls_deinit(session);
}
int main() {
    auto client = peertrust::Client::connect(peertrust::Bus::Session);
    auto keys = peertrust::KeysClient::connect(peertrust::Bus::Session);
    auto fine = [](const auto& r) {
        return r || r.error().category() == peertrust::ErrorCategory::Unavailable;
    };
    if (client) {
        handshakeAsTheReadmeShows(client->get());
    }
    // Every installed header's functions are in the library (TimeFormat.h's once were not).
    auto when = peertrust::parseIsoTime(peertrust::formatIsoTime(1800000000));
    return fine(client) && fine(keys) && when && *when == 1800000000 ? 0 : 1;
}
CPP
PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_PATH="$root/$p/lib/pkgconfig" \
    g++ "$root/consumer.cpp" -o "$root/consumer-pc" \
    $(PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_PATH="$root/$p/lib/pkgconfig" pkg-config --cflags --libs peertrust)
LD_LIBRARY_PATH="$root/$p/lib" DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent "$root/consumer-pc"

mkdir -p "$root/cmake-consumer"
cat >"$root/cmake-consumer/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(consumer CXX)
find_package(peertrust REQUIRED)
add_executable(consumer ../consumer.cpp)
target_link_libraries(consumer PRIVATE peertrust::libpeertrust)
CMAKE
cmake -S "$root/cmake-consumer" -B "$root/cmake-build" -DCMAKE_PREFIX_PATH="$root/$p" >/dev/null
cmake --build "$root/cmake-build" >/dev/null
LD_LIBRARY_PATH="$root/$p/lib" DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent "$root/cmake-build/consumer"
# The installed session service file starts the daemon on demand: a session bus whose service
# directory holds it (its Exec moved under the scratch root, where the daemon was installed)
# starts peertrustd --session on the first call, and the daemon keeps its store under
# $XDG_DATA_HOME, which it has from the bus.
mkdir -p "$root/activation/services" "$root/activation/data"
sed "s|^Exec=$prefix/|Exec=$root$prefix/|" "$root/$p/share/dbus-1/services/org.peertrust.Trust1.service" \
    >"$root/activation/services/org.peertrust.Trust1.service"
cat >"$root/activation/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=$root/activation/bus</listen>
<servicedir>$root/activation/services</servicedir>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>
CONF
XDG_DATA_HOME="$root/activation/data" dbus-daemon --config-file="$root/activation/bus.conf" \
    --nofork --nopidfile --print-address >"$root/activation/address" 2>"$root/activation/bus.log" &
session_bus=$!
stop_session_bus() {
    local daemon_pid
    daemon_pid=$(DBUS_SESSION_BUS_ADDRESS=unix:path="$root/activation/bus" dbus-send --session \
        --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.GetConnectionUnixProcessID string:org.peertrust.Trust1 2>/dev/null |
        awk '{print $2}') || true
    kill "$session_bus" 2>/dev/null || true
    wait "$session_bus" 2>/dev/null || true
    if [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null; then
        # Gone before its store's directory is removed below.
        for _ in $(seq 100); do
            kill -0 "$daemon_pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
}
trap 'stop_session_bus; rm -rf "$root"' EXIT
for _ in $(seq 100); do
    [ -s "$root/activation/address" ] && break
    kill -0 "$session_bus" 2>/dev/null || break
    sleep 0.1
done
[ -s "$root/activation/address" ] || {
    echo "the session bus did not start:" >&2
    cat "$root/activation/bus.log" >&2
    exit 1
}
listed=$(LD_LIBRARY_PATH="$root/$p/lib" DBUS_SESSION_BUS_ADDRESS=unix:path="$root/activation/bus" \
    timeout 30 "$root/$p/bin/peertrust" protocol list --json) || {
    echo "the installed service file did not start peertrustd:" >&2
    cat "$root/activation/bus.log" >&2
    exit 1
}
grep -q '"name":"https"' <<<"$listed" || { echo "unexpected protocol list: $listed" >&2; exit 1; }
grep -q "Successfully activated service 'org.peertrust.Trust1'" "$root/activation/bus.log" || {
    echo "peertrustd answered but was not started by the bus:" >&2
    cat "$root/activation/bus.log" >&2
    exit 1
}
[ -f "$root/activation/data/peertrust/user.db" ] || {
    echo "the activated daemon did not keep its store under \$XDG_DATA_HOME/peertrust" >&2
    exit 1
}
stop_session_bus
trap 'rm -rf "$root"' EXIT
echo "install layout ok"
