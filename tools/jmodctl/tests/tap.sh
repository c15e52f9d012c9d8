# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2154 # $tmp is the includer's
#
# TAP for the host tests of tools/jmodctl/tests (sourced; bash).  The
# includer sets $tmp (a scratch directory) and, optionally, TAP_ERR_LINES
# (how much of "$tmp/err" a failure shows, default 5).
#   result OK NAME WHY   "ok N - NAME", or "not ok N - NAME: WHY" and
#                        the head of "$tmp/err"; counts passed/failed
#   tap_summary          "N passed, N failed"
n=0 passed=0 failed=0

result() { # OK NAME WHY
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		passed=$((passed + 1))
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2: $3"
		sed 's/^/#   /' "$tmp/err" | head -n "${TAP_ERR_LINES:-5}"
	fi
}

tap_summary() {
	echo "$passed passed, $failed failed"
}
