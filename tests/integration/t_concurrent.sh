#!/bin/bash
# Concurrent writers through the multi-threaded FUSE loop never break the invariants:
# 0 <= assigned <= total, available = total - assigned, nobody waits while seats are free,
# one seat per holder. Readers running alongside the writers never see an inconsistent value:
# every count file is one number, every summary row has assigned + available = total and no
# waiters while seats are available, and users/ lists only users.
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

# read_consistently ROUNDS BAD: reads the product's count files, the summary and users/ ROUNDS
# times while writers run, appending a line to the file BAD for each inconsistent value seen.
read_consistently() {
    local round f value listing
    for ((round = 0; round < $1; round++)); do
        for f in total assigned available expiring_soon; do
            value=$(cat "$P/$f") || { echo "round $round: cat $f failed" >>"$2"; continue; }
            [[ $value =~ ^[0-9]+$ ]] || echo "round $round: $f is '$value'" >>"$2"
        done
        LC_ALL=C awk -F '\t' -v round="$round" '
            NR == 1 {
                if ($0 != "product\tname\ttotal\tassigned\tavailable\texpiring_soon\twaiting")
                    print "round " round ": summary header is \"" $0 "\""
                next
            }
            NF != 7 || $3 !~ /^[0-9]+$/ || $4 !~ /^[0-9]+$/ || $5 !~ /^[0-9]+$/ ||
            $6 !~ /^[0-9]+$/ || $7 !~ /^[0-9]+$/ {
                print "round " round ": summary row \"" $0 "\" is not 7 fields of counts"; next
            }
            $4 + $5 != $3 { print "round " round ": summary row \"" $0 "\": assigned + available != total" }
            $7 > 0 && $5 > 0 { print "round " round ": summary row \"" $0 "\": waiters while seats are available" }
            $1 == "RACE" { race++ }
            END { if (race != 1) print "round " round ": summary has " race + 0 " RACE rows" }
        ' "$M/summary" >>"$2" 2>&1 || echo "round $round: reading summary failed" >>"$2"
        listing=$(ls "$P/users") || { echo "round $round: ls users/ failed" >>"$2"; continue; }
        while read -r value; do
            [[ -z $value || $value =~ ^u[0-9]+@$D$ ]] || echo "round $round: users/ lists '$value'" >>"$2"
        done <<<"$listing"
    done
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
bad=$LF_TMP/inconsistent-reads
: >"$bad"
read_consistently 100 "$bad" &
JOBS+=($!)
read_consistently 100 "$bad" &
JOBS+=($!)
(for _ in $(seq 20); do putln "$P/total" 25; putln "$P/total" 30; done) &
JOBS+=($!)
(for i in $(seq 21 $N); do
     rm -f "$M/groups/A/members/u$i@$D" "$M/groups/B/members/u$i@$D"
     touch "$M/groups/A/members/u$i@$D"
 done) &
JOBS+=($!)
run_jobs
expect_eq "" "$(head -5 "$bad")" "inconsistent values seen by the readers"
check_invariants "after readers and writers"
expect_counts RACE 30 20 10

lf_unmount
lf_finish
