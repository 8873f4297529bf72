#!/bin/sh
# Runs a test under valgrind memcheck: meson's exe_wrapper in `meson test --setup valgrind`, and
# the LICENSEFS_WRAPPER through which lib.sh starts every licensefs of the integration tests.
# A memory error, or a leak that is definitely or indirectly lost, exits 99 (no status of
# licensefs or of a test), and valgrind's report goes to stderr, or with LICENSEFS_WRAPPER_LOGS=DIR
# to DIR/PID.log (lib.sh fails a test that leaves a report there, as a detached daemon does).
#
# The integration test scripts (run by bash) are not run under valgrind themselves: bash is
# not what is tested, and its children (coreutils) would all be traced.
set -eu

case ${1##*/} in
bash | sh)
        exec "$@"
        ;;
with-cluster)
        # tests/pg/with-cluster runs the test itself: it runs this wrapper in turn.
        cluster=$1
        shift
        exec "$cluster" "$0" "$@"
        ;;
esac

# Check's fork mode would have every test's child checked for leaks of the parent's fixture;
# set here because a test's own environment (CK_FORK=yes) overrides the setup's.
CK_FORK=no
export CK_FORK
exec valgrind --quiet --error-exitcode=99 --num-callers=40 \
        --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect \
        ${LICENSEFS_WRAPPER_LOGS:+"--log-file=$LICENSEFS_WRAPPER_LOGS/%p.log"} "$@"
