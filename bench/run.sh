#!/bin/sh
# run.sh runs the in-process benchmarks N times (default 6), one process per
# run so that the three servers are interleaved in time, then prints the
# median ns/op, B/op and allocs/op of every sub-benchmark and the throughput
# ratios scimkit/bare and scimkit/elimity computed from the medians.
#
#	./run.sh [N] [benchtime]
set -eu
cd "$(dirname "$0")"
n=${1:-6}
benchtime=${2:-1s}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go test -c -o "$dir/bench.test" .
i=0
while [ "$i" -lt "$n" ]; do
	"$dir/bench.test" -test.run '^$' -test.bench . -test.benchtime "$benchtime" >>"$dir/out.txt"
	i=$((i + 1))
done
grep '^Benchmark' "$dir/out.txt" | sed 's/-[0-9]* / /' | awk '
function med(a, m,   t, i, j) {
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
# Runs are in file order: the k-th line of a benchmark belongs to run k.
{
	if (!($1 in runs)) order[++no] = $1
	k = ++runs[$1]; ns[$1, k] = $3; by[$1, k] = $5; al[$1, k] = $7
}
function col(arr, name,   k, m) {
	for (k = 1; k <= runs[name]; k++) tmp[k] = arr[name, k]
	return med(tmp, runs[name])
}
function paired(num, den,   k, n) {
	n = runs[den] < runs[num] ? runs[den] : runs[num]
	for (k = 1; k <= n; k++) tmp[k] = ns[num, k] / ns[den, k]
	return med(tmp, n)
}
END {
	printf "%-34s %5s %12s %10s %10s\n", "benchmark (median of runs)", "runs", "ns/op", "B/op", "allocs/op"
	for (i = 1; i <= no; i++) {
		n = order[i]; mns[n] = col(ns, n)
		printf "%-34s %5d %12.0f %10.0f %10.0f\n", n, runs[n], mns[n], col(by, n), col(al, n)
	}
	print ""
	print "throughput ratios: of medians (median of per-run ratios)"
	for (i = 1; i <= no; i++) {
		split(order[i], p, "/")
		if (p[2] != "scimkit") continue
		s = order[i]; b = p[1] "/bare"; e = p[1] "/elimity"
		printf "%-26s scimkit/bare %.2fx (%.2fx)   scimkit/elimity %.1fx (%.1fx)\n", p[1], mns[b] / mns[s], paired(b, s), mns[e] / mns[s], paired(e, s)
	}
}'
