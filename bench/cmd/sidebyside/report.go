package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func us(d time.Duration) string { return fmt.Sprintf("%.0f", float64(d)/1e3) }
func ms(d time.Duration) string {
	v := float64(d) / 1e6
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// ratio is a/b as "x1.23", or "" without b.
func ratio(a, b float64) string {
	if b <= 0 || a <= 0 {
		return ""
	}
	r := a / b
	if r >= 10 {
		return fmt.Sprintf("x%.0f", r)
	}
	return fmt.Sprintf("x%.2f", r)
}

func (s *sample) perOp() time.Duration {
	if s == nil || s.n == 0 {
		return 0
	}
	return s.cpu / time.Duration(s.n)
}

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t / time.Duration(len(ds))
}

// ends are the mean of the first and of the last 10 pages of a walk.
func (w *walkResult) ends(xs []time.Duration) (first, last time.Duration) {
	n := min(10, len(xs))
	return mean(xs[:n]), mean(xs[len(xs)-n:])
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func (r *runner) kindsRun() []string {
	var out []string
	for _, k := range kinds {
		for _, s := range r.servers {
			if s.kind == k {
				out = append(out, k)
			}
		}
	}
	return out
}

func (r *runner) report() error {
	r.loads = append(r.loads, loadAvg())
	var b strings.Builder
	lo, hi := r.loads[0], r.loads[0]
	for _, l := range r.loads {
		lo, hi = min(lo, l), max(hi, l)
	}
	fmt.Fprintf(&b, "#### Run %q: %d users, %s\n\n", r.o.label, r.o.users, r.started.UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Machine: %d cores (%s), %s/%s, %s, shared with other engineers' work: 1-minute load average %.2f to %.2f over the run (sampled at each phase). The run took %v. Command: `go run ./cmd/sidebyside %s`.\n\n",
		runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH, runtime.Version(), lo, hi, time.Since(r.started).Round(time.Second), strings.Join(os.Args[1:], " "))
	b.WriteString("CPU is the server process's (and, on PostgreSQL, its database backends') from /proc schedstat; \"x floor\" is the ratio to the floor on the same storage (memory, SQLite, PostgreSQL) in this run.")
	if r.o.analyze {
		b.WriteString(" The PostgreSQL servers' tables are ANALYZEd after each load, as autovacuum would soon after (-analyze).")
	} else {
		b.WriteString(" The PostgreSQL servers' tables are measured as loaded, without statistics (-analyze=false).")
	}
	b.WriteString("\n\n")
	ks := r.kindsRun()

	simple := func(title, workload string, unit func(time.Duration) string, unitName string) {
		fmt.Fprintf(&b, "%s\n\n| server | p50 %s | p99 %s | CPU/op %s | CPU x floor | p50 x floor |\n|---|--:|--:|--:|--:|--:|\n", title, unitName, unitName, unitName)
		for _, k := range ks {
			s, f := r.res[workload][k], r.res[workload][floorOf(k)]
			if f == nil {
				f = &sample{} // its floor not run (-only): no ratio
			}
			if s == nil || s.n == 0 {
				fmt.Fprintf(&b, "| %s | | | | | %s |\n", k, r.why(k, s))
				continue
			}
			row := fmt.Sprintf("| %s | %s | %s | %s | %s | %s |", k, unit(pct(s.lat, 50)), unit(pct(s.lat, 99)), unit(s.perOp()),
				ratio(float64(s.perOp()), float64(f.perOp())), ratio(float64(pct(s.lat, 50)), float64(pct(f.lat, 50))))
			if s.err != "" {
				row += " stopped: " + trim(s.err)
			}
			b.WriteString(row + "\n")
		}
		b.WriteString("\n")
	}
	simple(fmt.Sprintf("Entra lookup (`userName eq`, a hit), one client, %d rounds of %d:", r.o.rounds, r.o.lookups), "lookup", us, "µs")
	simple(fmt.Sprintf("POST /Users, one client, %d rounds of %d:", r.o.rounds, r.o.posts), "post", us, "µs")
	simple(fmt.Sprintf("Entra provisioning cycle (lookup miss, POST, 3 PATCH), one client, %d rounds of %d cycles; per cycle:", r.o.rounds, r.o.cycles), "cycle", ms, "ms")
	simple("… the PATCHes of those cycles alone (latency; CPU/op is not separated from the cycle's, so it reads 0):", "cycle-patch", ms, "ms")

	b.WriteString("List walk (`startIndex`, `count=100`, every user; servers interleaved page by page), mean of the first and the last 10 pages:\n\n")
	b.WriteString("| server | pages | CPU/page start ms | CPU/page end ms | x floor start | x floor end | latency start ms | latency end ms | note |\n|---|--:|--:|--:|--:|--:|--:|--:|---|\n")
	for _, k := range ks {
		w := r.walks[k]
		if w == nil || len(w.cpu) == 0 {
			fmt.Fprintf(&b, "| %s | | | | | | | | %s |\n", k, r.whyWalk(k))
			continue
		}
		cs, ce := w.ends(w.cpu)
		ls, le := w.ends(w.lat)
		var fs, fe time.Duration
		if f := r.walks[floorOf(k)]; f != nil && len(f.cpu) > 0 {
			fs, fe = f.ends(f.cpu)
		}
		note := ""
		if w.skipped > 0 {
			note = fmt.Sprintf("after %v of walking it jumped to startIndex %d (the last 10 pages)", r.o.walkCap, w.skipped)
		}
		if w.err != "" {
			note += " stopped: " + trim(w.err)
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", k, len(w.cpu), ms(cs), ms(ce), ratio(float64(cs), float64(fs)), ratio(float64(ce), float64(fe)), ms(ls), ms(le), note)
	}
	b.WriteString("\n")

	fmt.Fprintf(&b, "Mixed load, %d clients, 2 rounds of %v per server (of every 10 requests: 6 lookups, 2 PATCH of active, 1 list page at a random startIndex, 1 POST):\n\n", r.o.clients, r.o.mixedFor)
	b.WriteString("| server | req/s | x floor | p50 ms | p99 ms | CPU/req µs | CPU x floor |\n|---|--:|--:|--:|--:|--:|--:|\n")
	for _, k := range ks {
		s, f := r.res["mixed"][k], r.res["mixed"][floorOf(k)]
		if f == nil {
			f = &sample{}
		}
		if s == nil || s.n == 0 {
			fmt.Fprintf(&b, "| %s | | | | | | %s |\n", k, r.why(k, s))
			continue
		}
		rate := float64(s.n) / s.wall.Seconds()
		var frate float64
		if f != nil && f.n > 0 {
			frate = float64(f.n) / f.wall.Seconds()
		}
		row := fmt.Sprintf("| %s | %.0f | %s | %s | %s | %s | %s |", k, rate, ratio(rate, frate), ms(pct(s.lat, 50)), ms(pct(s.lat, 99)), us(s.perOp()), ratio(float64(s.perOp()), float64(f.perOp())))
		if s.err != "" {
			row += " stopped: " + trim(s.err)
		}
		b.WriteString(row + "\n")
	}
	b.WriteString("\n")

	fmt.Fprintf(&b, "Membership PATCH (Entra's add of one member and remove of one, %d of each per size), p50 latency ms and CPU/op ms by group size:\n\n| server |", r.o.groupPairs)
	for _, g := range r.o.groupSizes {
		fmt.Fprintf(&b, " %d p50 | %d CPU |", g, g)
	}
	b.WriteString("\n|---|" + strings.Repeat("--:|--:|", len(r.o.groupSizes)) + "\n")
	for _, k := range ks {
		if strings.HasPrefix(k, "elimity") {
			continue
		}
		b.WriteString("| " + k + " |")
		for _, g := range r.o.groupSizes {
			cell := " | |"
			for _, p := range r.groups[k] {
				if p.members == g {
					cell = fmt.Sprintf(" %s | %s |", ms(pct(p.s.lat, 50)), ms(p.s.perOp()))
				}
			}
			b.WriteString(cell)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n(elimity's handler here has no groups.)\n\n")

	b.WriteString("Entra lookup p50 (µs) as the store grows (200 lookups per point), the time each server took to load all the users, and its process's peak RSS at the end (the floors and the library through their Go APIs in batches, examples/saas through POST /Users from 4 clients; all servers load at the same time, so these are wall times under shared load):\n\n| server |")
	for _, n := range r.o.sizes {
		fmt.Fprintf(&b, " %d users |", n)
	}
	b.WriteString(" load time | peak RSS MiB |\n|---|" + strings.Repeat("--:|", len(r.o.sizes)+2) + "\n")
	for _, k := range ks {
		b.WriteString("| " + k + " |")
		for _, n := range r.o.sizes {
			cell := " |"
			for _, p := range r.sizes[k] {
				if p.users == n {
					cell = " " + us(p.p50) + " |"
				}
			}
			b.WriteString(cell)
		}
		fmt.Fprintf(&b, " %v | %s |\n", r.loadDur[k].Round(100*time.Millisecond), r.peakRSS(k))
	}
	b.WriteString("\n")
	for _, s := range r.servers {
		if s.dead != "" {
			fmt.Fprintf(&b, "- %s: %s\n", s.kind, trim(s.dead))
		}
	}
	for _, n := range r.notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	if !r.o.skipPlots {
		fmt.Fprintf(&b, "\n![latency vs group size](bench/%[1]s-groupsize.png) ![CPU per page vs offset](bench/%[1]s-walk.png) ![lookup vs store size](bench/%[1]s-lookupsize.png)\n", r.o.label)
	}
	if r.profTop != "" {
		fmt.Fprintf(&b, "\nProfile (`-profile %s`), `go tool pprof -top`: [bench/%s-profile.txt](bench/%s-profile.txt)\n", r.o.profile, r.o.label, r.o.label)
	}

	if err := os.MkdirAll(r.o.out, 0o755); err != nil {
		return err
	}
	md := b.String()
	fmt.Println(md)
	if err := os.WriteFile(filepath.Join(r.o.out, r.o.label+".md"), []byte(md), 0o644); err != nil {
		return err
	}
	if r.profTop != "" {
		if err := os.WriteFile(filepath.Join(r.o.out, r.o.label+"-profile.txt"), []byte(r.profTop), 0o644); err != nil {
			return err
		}
	}
	if !r.o.skipPlots {
		if err := r.plots(); err != nil {
			return err
		}
	}
	return r.splice(md)
}

// peakRSS is the server process's VmHWM (its own memory; a PostgreSQL
// server's database is not in it).
func (r *runner) peakRSS(kind string) string {
	for _, s := range r.servers {
		if s.kind != kind {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
		if err != nil {
			return ""
		}
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
				var kb int
				fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
				return fmt.Sprintf("%.0f", float64(kb)/1024)
			}
		}
	}
	return ""
}

func trim(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "|", "/")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

func (r *runner) why(kind string, s *sample) string {
	if s != nil && s.err != "" {
		return "stopped: " + trim(s.err)
	}
	for _, sv := range r.servers {
		if sv.kind == kind && sv.dead != "" {
			return trim(sv.dead)
		}
	}
	return "not run"
}

func (r *runner) whyWalk(kind string) string {
	if w := r.walks[kind]; w != nil && w.err != "" {
		return "stopped: " + trim(w.err)
	}
	return r.why(kind, nil)
}

// splice replaces the text between this run's markers in
// <repo>/docs/benchmarks.md, if they are there.
func (r *runner) splice(md string) error {
	path := filepath.Join(r.o.repo, "docs", "benchmarks.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	begin, end := "<!-- sidebyside:"+r.o.label+" -->", "<!-- /sidebyside:"+r.o.label+" -->"
	s := string(doc)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		logf("no markers %s … %s in %s: wrote only %s", begin, end, path, filepath.Join(r.o.out, r.o.label+".md"))
		return nil
	}
	s = s[:i+len(begin)] + "\n" + md + s[j:]
	logf("updated %s", path)
	return os.WriteFile(path, []byte(s), 0o644)
}

var palette = []color.Color{
	color.RGBA{0, 0, 0, 255}, color.RGBA{31, 119, 180, 255}, color.RGBA{255, 127, 14, 255},
	color.RGBA{44, 160, 44, 255}, color.RGBA{214, 39, 40, 255}, color.RGBA{148, 103, 189, 255},
	color.RGBA{140, 86, 75, 255}, color.RGBA{227, 119, 194, 255}, color.RGBA{23, 190, 207, 255},
}

func (r *runner) plots() error {
	ks := r.kindsRun()
	color := map[string]color.Color{}
	for i, k := range kinds {
		color[k] = palette[i%len(palette)]
	}
	type series struct {
		name string
		xy   plotter.XYs
	}
	save := func(file, title, x, y string, logX bool, ss []series) error {
		p := plot.New()
		p.Title.Text, p.X.Label.Text, p.Y.Label.Text = title, x, y
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, ticks125{}
		if logX {
			p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, ticks125{}
		}
		p.Legend.Top, p.Legend.Left = true, true
		p.Add(plotter.NewGrid())
		for _, s := range ss {
			if len(s.xy) == 0 {
				continue
			}
			l, pts, err := plotter.NewLinePoints(s.xy)
			if err != nil {
				return err
			}
			l.Color, pts.Color = color[s.name], color[s.name]
			pts.Shape, pts.Radius = draw.CircleGlyph{}, vg.Points(1.5)
			if strings.HasPrefix(s.name, "floor") {
				l.Dashes = []vg.Length{vg.Points(4), vg.Points(2)}
			}
			p.Add(l, pts)
			p.Legend.Add(s.name, l)
		}
		return p.Save(9*vg.Inch, 5.5*vg.Inch, filepath.Join(r.o.out, r.o.label+"-"+file+".png"))
	}
	pos := func(v float64) float64 { return max(v, 1e-3) }
	var gs, ws, ls []series
	for _, k := range ks {
		var g plotter.XYs
		for _, p := range r.groups[k] {
			g = append(g, plotter.XY{X: float64(p.members), Y: pos(float64(pct(p.s.lat, 50)) / 1e6)})
		}
		gs = append(gs, series{k, g})
		if w := r.walks[k]; w != nil {
			var xy plotter.XYs
			for i := range w.cpu {
				xy = append(xy, plotter.XY{X: float64(w.offsets[i]), Y: pos(float64(w.cpu[i]) / 1e6)})
			}
			ws = append(ws, series{k, smooth(xy, 5)})
		}
		var l plotter.XYs
		for _, p := range r.sizes[k] {
			l = append(l, plotter.XY{X: float64(p.users), Y: pos(float64(p.p50) / 1e3)})
		}
		ls = append(ls, series{k, l})
	}
	if err := save("groupsize", "Membership PATCH (add or remove one member): p50 latency vs group size", "members", "ms (log)", true, gs); err != nil {
		return err
	}
	if err := save("walk", "List walk, count=100: server CPU per page vs startIndex (mean of 5 pages)", "startIndex", "CPU ms per page (log)", false, ws); err != nil {
		return err
	}
	return save("lookupsize", "Entra lookup (userName eq): p50 latency vs store size", "users", "µs (log)", true, ls)
}

// ticks125 marks 1, 2 and 5 times each power of ten in the range, for
// log axes whose range spans less than a decade.
type ticks125 struct{}

// Ticks implements plot.Ticker.
func (ticks125) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for e := math.Floor(math.Log10(lo)); math.Pow(10, e) <= hi; e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v >= lo && v <= hi {
				ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)})
			}
		}
	}
	return ts
}

// smooth averages consecutive runs of n points.
func smooth(xy plotter.XYs, n int) plotter.XYs {
	var out plotter.XYs
	for i := 0; i < len(xy); i += n {
		j := min(i+n, len(xy))
		var x, y float64
		for _, p := range xy[i:j] {
			x += p.X
			y += p.Y
		}
		out = append(out, plotter.XY{X: x / float64(j-i), Y: y / float64(j-i)})
	}
	return out
}
