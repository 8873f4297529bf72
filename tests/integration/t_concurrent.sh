#!/bin/bash
# Concurrent writers through the multi-threaded FUSE loop never break the invariants:
# 0 <= assigned <= total, available = total - assigned, nobody waits while seats are free,
# one seat per holder.
# shellcheck source=lib.sh
. "$(dirname -- "$0")/lib.sh" || exit 1

D=example.com
P=$M/products/RACE
N=40

# check_invariants WHAT
check_invariants() {
    local total assigned available holders waiting
    total=$(cat "$P/total") assigned=$(cat "$P/assigned") available=$(cat "$P/available")
    holders=$(find "$P/users" -mindepth 1 | wc -l)
    waiting=$(find "$P/errors" -mindepth 1 | wc -l)
    expect_eq "$assigned" "$holders" "$1: assigned vs entries in users/"
    expect_eq $((total - assigned)) "$available" "$1: available = total - assigned"
    if [ "$assigned" -le "$total" ] && [ "$assigned" -ge 0 ]; then pass; else
        fail "$1: assigned $assigned outside 0..$total"
    fi
    if [ "$available" -gt 0 ] && [ "$waiting" -gt 0 ]; then
        fail "$1: $waiting users wait while $available seats are available"
    else
        pass
    fi
    if [ -n "$(comm -12 <(ls "$P/users") <(ls "$P/errors"))" ]; then
        fail "$1: a user both holds and waits"
    else
        pass
    fi
}

# run_jobs: wait for the background jobs started since the last call (not the daemon).
JOBS=()
run_jobs() {
    wait "${JOBS[@]}"
    JOBS=()
}

lf_mount
expect_ok mkdir "$P" "$M/groups/A" "$M/groups/B"
for i in $(seq $N); do
    if ! { mkdir "$M/users/u$i@$D" && putln "$M/users/u$i@$D/usage_location" US; }; then fail "create user u$i"; fi
done
expect_eq $N "$(find "$M/users" -mindepth 1 -maxdepth 1 | wc -l)" "users created"
expect_ok putln "$P/total" 10

note "parallel direct assignments: exactly total seats are handed out"
for _ in 1 2 3 4; do
    (for i in $(seq $N | shuf); do touch "$P/users/u$i@$D" 2>/dev/null; done) &
    JOBS+=($!)
done
run_jobs
expect_counts RACE 10 10 0
check_invariants "after parallel touch"

note "parallel removals, group joins and total changes"
expect_ok touch "$P/groups/A" "$P/groups/B"
(for i in $(seq 1 2 $N); do touch "$M/groups/A/members/u$i@$D"; done) &
JOBS+=($!)
(for i in $(seq 2 2 $N); do touch "$M/groups/B/members/u$i@$D"; done) &
JOBS+=($!)
(for i in $(seq $N | shuf); do rm -f "$P/users/u$i@$D" 2>/dev/null; done) &
JOBS+=($!)
(for t in 12 15 20 25 30; do putln "$P/total" $t; sleep 0.01; done) &
JOBS+=($!)
run_jobs
check_invariants "after parallel changes"
expect_file "$P/total" 30
expect_counts RACE 30 30 0
expect_eq 10 "$(find "$P/errors" -mindepth 1 | wc -l)" "users waiting"

note "parallel membership removals free seats for waiters"
(for i in $(seq 1 2 20); do rm "$M/groups/A/members/u$i@$D"; done) &
JOBS+=($!)
(for i in $(seq 2 2 20); do rm "$M/groups/B/members/u$i@$D"; done) &
JOBS+=($!)
run_jobs
check_invariants "after parallel membership removals"
expect_counts RACE 30 20 10
expect_eq 0 "$(find "$P/errors" -mindepth 1 | wc -l)" "users waiting"

note "parallel readers while writers change the product"
(for _ in $(seq 200); do cat "$P/assigned" "$P/available" >/dev/null; ls "$P/users" >/dev/null; done) &
JOBS+=($!)
(for _ in $(seq 20); do putln "$P/total" 25; putln "$P/total" 30; done) &
JOBS+=($!)
(for i in $(seq 21 $N); do
     rm -f "$M/groups/A/members/u$i@$D" "$M/groups/B/members/u$i@$D"
     touch "$M/groups/A/members/u$i@$D"
 done) &
JOBS+=($!)
run_jobs
check_invariants "after readers and writers"
expect_counts RACE 30 20 10

lf_unmount
lf_finish
