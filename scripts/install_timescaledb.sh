#!/usr/bin/env bash
# Make PostgreSQL with the TimescaleDB extension available on this Debian machine.
#
#   Debian 13: Debian's binary packages postgresql-17 and postgresql-17-timescaledb.
#   Debian 12: Debian ships no TimescaleDB package, so we build Debian's own `timescaledb`
#              source package from the trixie suite against postgresql-server-dev-15 (the
#              Apache-only build). The trixie deb-src entry lives in a private sources list
#              and a private package-list folder used only for that download, so apt never
#              sees a trixie binary it could install.
#
# Idempotent: does nothing when the extension is already installed for a server version.
# Needs root (apt-get); says so clearly otherwise.
set -euo pipefail

log() { printf '[timescaledb] %s\n' "$*" >&2; }
die() { printf '[timescaledb] error: %s\n' "$*" >&2; exit 1; }

installed_pg_with_timescaledb() {
    local control
    for control in /usr/share/postgresql/*/extension/timescaledb.control; do
        [ -e "$control" ] || continue
        basename "$(dirname "$(dirname "$control")")"
    done | sort -n | tail -n 1
}

debian_major() {
    [ -r /etc/debian_version ] || die "this is not a Debian machine (/etc/debian_version missing); give a DSN of your own TimescaleDB in MAGNETLINE_DSN"
    cut -d. -f1 </etc/debian_version
}

apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
}

# The mirror this machine already uses for Debian packages; the trixie source entry points there.
debian_mirror() {
    local uri
    uri=$(grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
        | grep -oE '[a-z]+://[^ ]+/debian/?' | grep -v security | head -n 1 || true)
    [ -n "$uri" ] || die "found no Debian mirror in /etc/apt/sources.list{,.d}; cannot fetch the timescaledb source"
    printf '%s\n' "${uri%/}"
}

build_from_trixie_source() {
    local pg_major=$1 work
    work=$(mktemp -d /tmp/timescaledb-build.XXXXXX)
    chmod 755 "$work"  # apt's download user (_apt) must reach the private lists folder
    log "building Debian's timescaledb source package (trixie) for PostgreSQL $pg_major in $work"
    apt_install "postgresql-$pg_major" "postgresql-server-dev-$pg_major" cmake build-essential dpkg-dev \
        ca-certificates libssl-dev
    mkdir -p "$work/lists/partial" "$work/apt"
    printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' \
        "$(debian_mirror)" >"$work/apt/trixie-src.list"
    local private_apt=(-o "Dir::Etc::SourceList=$work/apt/trixie-src.list" -o "Dir::Etc::SourceParts=-"
        -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=")
    apt-get "${private_apt[@]}" update -q >/dev/null
    (cd "$work" && apt-get "${private_apt[@]}" source -q --download-only timescaledb >/dev/null)
    (cd "$work" && dpkg-source -x --no-check ./timescaledb_*.dsc src >/dev/null)
    (cd "$work/src" && ./bootstrap -DAPACHE_ONLY=ON -DREGRESS_CHECKS=OFF -DTAP_CHECKS=OFF -DWARNINGS_AS_ERRORS=OFF \
        -DPG_CONFIG="/usr/lib/postgresql/$pg_major/bin/pg_config" >"$work/bootstrap.log" 2>&1) \
        || { tail -n 20 "$work/bootstrap.log" >&2; die "cmake bootstrap failed"; }
    (cd "$work/src/build" && make -j"$(nproc)" >"$work/make.log" 2>&1 && make install >>"$work/make.log" 2>&1) \
        || { tail -n 20 "$work/make.log" >&2; die "build failed"; }
    rm -rf "$work"
}

main() {
    [ "$(id -u)" -eq 0 ] || die "installing TimescaleDB needs root (apt-get); run as root, or set MAGNETLINE_DSN to a TimescaleDB you already have"
    local have
    have=$(installed_pg_with_timescaledb)
    if [ -n "$have" ]; then
        log "already installed for PostgreSQL $have"
        return 0
    fi
    command -v apt-get >/dev/null || die "apt-get not found: this script supports Debian 12 and 13 only"
    local major
    major=$(debian_major)
    log "Debian $major: updating package lists"
    apt-get update -q >/dev/null
    case "$major" in
        12) build_from_trixie_source 15 ;;
        13) apt_install postgresql-17 postgresql-17-timescaledb ;;
        *) die "Debian $major is not supported (12 or 13); set MAGNETLINE_DSN to a TimescaleDB of your own" ;;
    esac
    have=$(installed_pg_with_timescaledb)
    [ -n "$have" ] || die "installation finished but no timescaledb.control was found"
    log "installed for PostgreSQL $have"
}

main "$@"
