# tenant.awk -v n=N: the benchmark's tenant as a Graph snapshot for `licensefs import`
# (see bench/run). Users u000001@bench.example ... with usage location US; products:
#   BENCH   N+10 seats, no holders: the touch/rm/stat/ls target
#   P1..P5  N+10 seats each, licensed to G10 and G1k
#   GBIG    M+10 seats, unassigned: assigned to Gbig and back in each round
#   WAIT    0 seats, licensed to Gbig: its M members wait until total is raised
#   ALL     N seats, licensed to Gall: every user holds one (N more assignments)
# groups: G10 (users 1-10), G1k (users 1 to min(1000, N-10); users N-9..N join and leave in
# each round), Gbig (users 1 to M = min(10000, N)), Gall (every user).
function guid(kind, i) { return sprintf("00000000-0000-4000-%s-%012d", kind, i) }
function sku(i, name, total, sep) {
    printf "%s    {\"skuId\": \"%s\", \"skuPartNumber\": \"%s\", " \
        "\"prepaidUnits\": {\"enabled\": %d, \"warning\": 0}}", sep, guid("a000", i), name, total
}
function group(i, name, first, last, lics, sep,    a, k, j) {
    printf "%s    {\"id\": \"%s\", \"displayName\": \"%s\", \"assignedLicenses\": [", sep,
        guid("9000", i), name
    k = split(lics, a, " ")
    for (j = 1; j <= k; j++)
        printf "%s{\"skuId\": \"%s\", \"disabledPlans\": []}", (j > 1 ? ", " : ""),
            guid("a000", a[j])
    printf "], \"members\": ["
    for (j = first; j <= last; j++)
        printf "%s{\"id\": \"%s\"}", (j > first ? ",\n      " : "\n      "), guid("8000", j)
    printf "]}"
}
BEGIN {
    g1k = (n - 10 < 1000 ? n - 10 : 1000)
    big = (n < 10000 ? n : 10000)
    print "{"
    print "  \"organization\": {\"displayName\": \"Benchmark\", \"countryLetterCode\": \"US\"},"
    print "  \"subscribedSkus\": ["
    sku(1, "BENCH", n + 10, "")
    for (i = 1; i <= 5; i++)
        sku(1 + i, "P" i, n + 10, ",\n")
    sku(7, "GBIG", big + 10, ",\n")
    sku(8, "WAIT", 0, ",\n")
    sku(9, "ALL", n, ",\n")
    print "\n  ],"
    print "  \"users\": ["
    for (i = 1; i <= n; i++)
        printf "%s    {\"id\": \"%s\", \"userPrincipalName\": \"u%06d@bench.example\", " \
            "\"displayName\": \"User %d\", \"usageLocation\": \"US\"}", (i > 1 ? ",\n" : ""),
            guid("8000", i), i, i
    print "\n  ],"
    print "  \"groups\": ["
    group(1, "G10", 1, 10, "2 3 4 5 6", "")
    group(2, "G1k", 1, g1k, "2 3 4 5 6", ",\n")
    group(3, "Gbig", 1, big, "8", ",\n")
    group(4, "Gall", 1, n, "9", ",\n")
    print "\n  ]"
    print "}"
}
