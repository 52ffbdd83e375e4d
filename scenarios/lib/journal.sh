# Ground-truth journal for sh emulations (POSIX sh; sourced, not executed).
# Usage: journal ACTION PID PPID 'DETAILS-JSON'  -- appends one JSON line to $PURPLE_JOURNAL.
# DETAILS-JSON is built by the caller from fixed words and numbers only (no user data).

journal_now_ms() {
  # GNU date has %N; BSD/macOS date prints a literal N, so fall back to perl there.
  ns=$(date +%s%N 2>/dev/null)
  case "$ns" in
    *N|'') perl -MTime::HiRes=time -e 'printf("%.3f", time() * 1000)' ;;
    *) awk -v ns="$ns" 'BEGIN { printf("%.3f", ns / 1000000) }' ;;
  esac
}

journal() {
  [ -n "${PURPLE_JOURNAL:-}" ] || return 0
  printf '{"time_ms": %s, "action": "%s", "pid": %s, "ppid": %s, "details": %s}\n' \
    "$(journal_now_ms)" "$1" "$2" "$3" "$4" >> "$PURPLE_JOURNAL"
}

# Size in bytes of a file (portable: wc pads with spaces on macOS).
file_bytes() {
  wc -c < "$1" | tr -d ' '
}

# Host:port of a URL of the form scheme://host:port/…
url_hostport() {
  printf '%s' "$1" | sed -e 's#^[a-z]*://##' -e 's#/.*$##'
}
